"""Home panels and menu entries of the sales app (filled in as the pages land)."""


def register() -> None:
    return None
