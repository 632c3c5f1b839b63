class ApplicationError(Exception):
    """A business rule said no. `message` is shown to the user (Chinese, translated in the catalogue)."""

    def __init__(self, message: str, extra: dict | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.status = status
