"""The version of the ``sampling`` package (recorded in every manifest)."""

__version__ = "0.1.0"
