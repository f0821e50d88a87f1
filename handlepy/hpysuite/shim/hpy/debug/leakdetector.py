"""``hpy.debug.leakdetector``: HPy's leak detector API on handlepy's debug mode."""
from hpy.universal import _debug


class HPyDebugError(Exception):
    pass


class HPyLeakError(HPyDebugError):
    def __init__(self, leaks):
        super().__init__()
        self.leaks = leaks

    def __str__(self):
        noun = "handle" if len(self.leaks) == 1 else "handles"
        return "\n".join([f"{len(self.leaks)} unclosed {noun}:"] +
                         [f"    {leak!r}" for leak in self.leaks])


class LeakDetector:
    def __init__(self):
        self.generation = None

    def start(self):
        if self.generation is not None:
            raise ValueError("LeakDetector already started")
        self.generation = _debug.new_generation()

    def stop(self):
        if self.generation is None:
            raise ValueError("LeakDetector not started yet")
        leaks = _debug.get_open_handles(self.generation)
        if leaks:
            raise HPyLeakError(leaks)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
