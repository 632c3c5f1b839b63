"""Risk zones (封控区, 管控区, 防范区): proposed from positive cases by pure rules (rules.py), with
the words of their codes (messages.py). The models, services and pages follow (issue 14)."""
