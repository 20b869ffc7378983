"""`N_`: marks a Vietnamese text for the translation catalog where it is written, without
importing Flask, so modules that run in child processes (extraction, recognition) can mark
their messages too. The text is translated where it is shown, by `_()` on the variable."""


def N_(text: str) -> str:
    return text
