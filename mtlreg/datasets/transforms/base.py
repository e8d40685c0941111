"""The common base of mtlreg's transforms (MMEngine's lite distribution has none)."""


class BaseTransform:
    """A data transform: ``transform(results) -> results``; calling it runs ``transform``."""

    def transform(self, results: dict) -> dict:
        raise NotImplementedError

    def __call__(self, results: dict) -> dict:
        return self.transform(results)
