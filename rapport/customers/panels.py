"""Home panels and menu entries of the customer book (filled in as the pages land)."""


def register() -> None:
    return None
