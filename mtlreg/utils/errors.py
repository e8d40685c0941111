"""The errors mtlreg raises for bad input and failed runs: each says what, where, what was expected.

The tools print these as a few lines (no traceback, see :mod:`mtlreg.utils.cli`). Every field but
``what`` is optional; ``where`` names the config key, file path or task, ``expected`` what would have
been right, ``doc`` the page that helps.
"""
from __future__ import annotations


class MtlregError(Exception):
    """An error in the user's input or run, not in mtlreg: reported as a message.

    Args:
        what: what is wrong.
        where: the config key, file or task concerned.
        expected: what was expected instead.
        doc: the documentation page that helps (relative to the repository).
        hint: what to do about it.
    """

    kind = 'error'
    default_doc = 'docs/reliability.md'

    def __init__(self, what: str, where: str | None = None, expected: str | None = None,
                 doc: str | None = None, hint: str | None = None):
        self.what, self.where, self.expected, self.hint = what, where, expected, hint
        self.doc = doc or self.default_doc
        super().__init__(self.message())

    def message(self) -> str:
        """One line: ``where: what (expected ...)``."""
        text = f'{self.where}: {self.what}' if self.where else self.what
        if self.expected:
            text += f' (expected {self.expected})'
        return text

    def lines(self) -> list[str]:
        """The few lines a tool prints."""
        out = [f'{self.kind}: {self.message()}']
        if self.hint:
            out.append(f'  {self.hint}')
        if self.doc:
            out.append(f'  see {self.doc}')
        return out


class ConfigError(MtlregError, ValueError):
    """A config key with a wrong name, type or value, or command-line options that do not parse."""
    kind = 'config error'
    default_doc = 'docs/reliability.md#configs-are-validated-before-anything-runs'


class CheckpointError(MtlregError, RuntimeError):
    """A checkpoint that cannot be read, is not trusted, or does not match the config's model."""
    kind = 'checkpoint error'
    default_doc = 'docs/reliability.md#checkpoints'


class DataError(MtlregError, RuntimeError):
    """A data file that cannot be read, or labels that do not fit the task that reads them."""
    kind = 'data error'
    default_doc = 'docs/datasets.md'


class DivergenceError(MtlregError, RuntimeError):
    """Training produced a non-finite (or exploding) loss, gradient or weight."""
    kind = 'divergence'
    default_doc = 'docs/reliability.md#divergence-guard'
