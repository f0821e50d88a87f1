"""Imported by handlepy-startup.pth at interpreter start: keep it cheap."""
from ._finder import install

install()
