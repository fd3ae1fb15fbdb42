"""User-facing errors.

Every problem with the user's input (a scenario, a catalog, a trace, a flag) is raised as an
:class:`InputError`. The CLI prints it as one line, ``FILE:LINE: field.path: message``, and exits
with code 2. Anything else is an internal error (exit code 1).
"""

from __future__ import annotations

import re

#: Characters that must not reach a terminal raw: C0/C1 controls (escape sequences start with
#: ESC or CSI) and the bidirectional overrides that make text read differently than it is.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` safe to echo to a terminal: controls and bidi overrides shown as ``\\xNN``
    or ``\\uNNNN`` escapes, newlines and tabs as spaces."""

    def escape(match: re.Match[str]) -> str:
        ch = match.group(0)
        if ch in "\n\r\t":
            return " "
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


class InputError(Exception):
    """A problem with something the user gave us.

    Parameters
    ----------
    message : str
        What is wrong, and where useful what to do about it.
    file : str or None
        The file that holds the problem.
    line : int or None
        1-based line number in ``file``.
    field : str or None
        Dotted path of the offending field, e.g. ``options.0.memory``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # keep file, line and field when the error crosses a process boundary (sweep workers)
        return (_rebuild, (self.message, self.file, self.line, self.field))

    def located(
        self, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> InputError:
        """Return a copy that fills in location parts that are still unknown."""
        return InputError(
            self.message,
            file=self.file or file,
            line=self.line or line,
            field=self.field or field,
        )

    def one_line(self) -> str:
        """Format as ``FILE:LINE: field.path: message`` (omitting unknown parts)."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        return printable(f"{where}{field}{self.message}")

    def __str__(self) -> str:
        return self.one_line()


def _rebuild(message: str, file: str | None, line: int | None, field: str | None) -> InputError:
    return InputError(message, file=file, line=line, field=field)
