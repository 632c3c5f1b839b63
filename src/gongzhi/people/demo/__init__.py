"""The demo city: realistic grids, buildings, households and residents for real communities.

`population` and `names` are pure rules (no Django); `loader` writes them in bulk.
"""
