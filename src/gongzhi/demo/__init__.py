"""The demo city: realistic grids, buildings, households and residents for real communities, the
demo logins, and a volunteer reservoir. Above every other app: it fills them all through their
services or in bulk.

`population` and `names` are pure rules (no Django); `loader` writes them in bulk; `users` makes the
logins; `reservoir` makes the volunteers.
"""
