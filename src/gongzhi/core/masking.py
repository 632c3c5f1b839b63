"""Masking of personal information shown to people who may not see it in full. No Django here."""


def mask_id_number(value: str) -> str:
    """Keep the 6-digit area prefix and the last 4: 510104********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits of a mobile number: 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the surname (first character): 张**. Used where even the name is sensitive."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
