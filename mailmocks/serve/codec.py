"""The snapshot codec: pickle, restricted so a data directory cannot be made to run code.

Why pickle: the worlds are each vendor's own object graphs (dataclasses, `Table`s with key
functions, shared references between a broadcast, its account and the job that sends it);
a hand-written format per vendor would be a second model to keep in step with every change.
Why it is safe enough: loading looks up nothing but (a) a short list of plain standard types
and (b) classes and functions defined in `mailmocks.core` and `mailmocks.apis`; no builtin
callable (`eval`, `getattr`, `__import__`), no other module. A crafted snapshot can at most
build our own objects with odd values, as a crafted request can. The directory and the file
are created for their owner only (0700 / 0600).

What pickle cannot take is bridged here: the services a world holds (the running sandbox's,
by name), its `Api` (by registry name), locks (a new one), jobs (placeholders the loader fills
and schedules again), and functions, which are stored as where their code is (module,
qualified name, which one of that name) and their closure's values, so a lambda a job or a
`Table` holds comes back as the same code over the restored objects.
"""
from __future__ import annotations

import builtins
import collections
import copyreg
import datetime
import decimal
import functools
import importlib
import io
import itertools
import pickle
import random
import threading
import types
import uuid
from collections.abc import Callable
from typing import Any

from ..core.jobs import Job
from ..core.services import Services

CODE_PACKAGES = ("mailmocks.core.", "mailmocks.apis.")
SAFE_TYPES: dict[tuple[str, str], Any] = {
    ("builtins", name): getattr(builtins, name)
    for name in ("set", "frozenset", "bytearray", "complex", "slice", "list", "dict", "tuple",
                 "int", "float", "str", "bytes", "bool", "object", "range")
}
SAFE_TYPES.update({
    ("collections", "deque"): collections.deque,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): collections.defaultdict,
    ("collections", "Counter"): collections.Counter,
    ("datetime", "datetime"): datetime.datetime, ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time, ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone, ("decimal", "Decimal"): decimal.Decimal,
    ("itertools", "count"): itertools.count, ("functools", "partial"): functools.partial,
    ("uuid", "UUID"): uuid.UUID, ("random", "Random"): random.Random,
    ("copyreg", "_reconstructor"): copyreg._reconstructor,  # type: ignore[attr-defined]
})
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class SnapshotError(ValueError):
    """A snapshot that cannot be read or written: one line."""


# -- functions by where their code is --------------------------------------------------
@functools.cache
def _codes(module: str) -> dict[tuple[str, int], types.CodeType]:
    """Every code object defined in `module`, by (qualified name, index among namesakes)."""
    mod = importlib.import_module(module)
    found: dict[tuple[str, int], types.CodeType] = {}
    seen: set[int] = set()

    def walk(code: types.CodeType) -> None:
        if id(code) in seen:
            return
        seen.add(id(code))
        n = sum(1 for q, _ in found if q == code.co_qualname)
        found[(code.co_qualname, n)] = code
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                walk(const)

    def visit(obj: Any, depth: int = 0) -> None:
        if isinstance(obj, types.FunctionType) and obj.__module__ == module:
            walk(obj.__code__)
        elif isinstance(obj, functools.partial):
            visit(obj.func, depth)
        elif isinstance(obj, (staticmethod, classmethod)):
            visit(obj.__func__, depth)
        elif isinstance(obj, property):
            for f in (obj.fget, obj.fset, obj.fdel):
                visit(f, depth)
        elif isinstance(obj, type) and obj.__module__ == module and depth < 3:
            for value in vars(obj).values():
                visit(value, depth + 1)

    for value in list(vars(mod).values()):
        visit(value)
    return found


def _locate(fn: types.FunctionType) -> tuple[str, str, int]:
    codes = _codes(fn.__module__)
    for (qualname, n), code in codes.items():
        if code is fn.__code__:
            return fn.__module__, qualname, n
    raise SnapshotError(f"cannot keep {fn.__module__}.{fn.__qualname__}: its code is not "
                        "reachable from its module")


def _new_function(module: str, qualname: str, n: int, ncells: int) -> types.FunctionType:
    if not module.startswith(CODE_PACKAGES):
        raise SnapshotError(f"a snapshot may not name code in {module}")
    code = _codes(module).get((qualname, n))
    if code is None or len(code.co_freevars) != ncells:
        raise SnapshotError(f"{module}.{qualname} is not the code this snapshot was written "
                            "by (another mailmocks version?)")
    mod = importlib.import_module(module)
    cells = tuple(types.CellType() for _ in range(ncells))
    return types.FunctionType(code, vars(mod), code.co_name, None, cells or None)


def _fill_function(fn: types.FunctionType, state: tuple[tuple[Any, ...], Any, Any]) -> None:
    values, defaults, kwdefaults = state
    for cell, value in zip(fn.__closure__ or (), values, strict=True):
        cell.cell_contents = value
    fn.__defaults__ = defaults
    fn.__kwdefaults__ = kwdefaults


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, services: Services, apis: dict[int, str]) -> None:
        super().__init__(file, protocol=5)
        self._services = {id(getattr(services, name)): name for name in vars(services)}
        self._services[id(services)] = ""
        self._apis = apis
        self._checked: set[type] = set(SAFE_TYPES.values()) | set(_LOCK_TYPES)

    def _check_type(self, kind: type) -> None:
        module = kind.__module__
        if not (module.startswith(CODE_PACKAGES) or (module, kind.__qualname__) in SAFE_TYPES):
            raise SnapshotError(f"cannot keep a {module}.{kind.__qualname__} (only plain "
                                "values and mailmocks' own classes are kept)")
        self._checked.add(kind)

    def persistent_id(self, obj: Any) -> Any:
        key = id(obj)
        if key in self._services and not isinstance(obj, (int, str, bytes, float)):
            return ("services", self._services[key])
        if key in self._apis:
            return ("api", self._apis[key])
        if isinstance(obj, _LOCK_TYPES):
            return ("lock", "rlock" if isinstance(obj, _LOCK_TYPES[1]) else "lock")
        if isinstance(obj, Job):
            return ("job", obj.id, obj.name, obj.due, obj.io)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, types.FunctionType):
            kind = obj if isinstance(obj, type) else type(obj)
            if kind not in self._checked:  # refused now, not when loading it after a restart
                self._check_type(kind)
            return NotImplemented
        if obj in (_new_function, _fill_function):
            return NotImplemented
        if not obj.__module__.startswith(CODE_PACKAGES):
            raise SnapshotError(f"cannot keep a function of {obj.__module__}")
        module, qualname, n = _locate(obj)
        cells = tuple(c.cell_contents for c in obj.__closure__ or ())
        return (_new_function, (module, qualname, n, len(cells)),
                (cells, obj.__defaults__, obj.__kwdefaults__), None, None, _fill_function)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, services: Services,
                 load_api: Callable[[str], Any]) -> None:
        super().__init__(file)
        self._services = services
        self._load_api = load_api
        self.jobs: dict[int, Job] = {}

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "services":
            return getattr(self._services, pid[1]) if pid[1] else self._services
        if kind == "api":
            return self._load_api(pid[1])
        if kind == "lock":
            return threading.RLock() if pid[1] == "rlock" else threading.Lock()
        if kind == "job":
            _, job_id, name, due, is_io = pid
            if job_id not in self.jobs:  # filled with its function and scheduled on load
                self.jobs[job_id] = Job(int(job_id), str(name), float(due), _unset, bool(is_io))
            return self.jobs[job_id]
        raise SnapshotError(f"unknown reference {kind!r} in the snapshot")

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE_TYPES:
            return SAFE_TYPES[(module, name)]
        if module == "mailmocks.serve.codec" and name in ("_new_function", "_fill_function"):
            return {"_new_function": _new_function, "_fill_function": _fill_function}[name]
        if module.startswith(CODE_PACKAGES) and "." not in name:  # our classes, no function
            value = getattr(importlib.import_module(module), name, None)
            if isinstance(value, type) and value.__module__ == module:
                return value
        raise SnapshotError(f"the snapshot names {module}.{name}, which a snapshot may not")


def _unset() -> None:
    raise SnapshotError("a restored job ran before its function was")


def dumps(value: Any, services: Services, apis: dict[int, str]) -> bytes:
    buf = io.BytesIO()
    try:
        _Pickler(buf, services, apis).dump(value)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"cannot snapshot the state: {exc}") from None
    return buf.getvalue()


def loads(data: bytes, services: Services,
          load_api: Callable[[str], Any]) -> tuple[Any, dict[int, Job]]:
    unpickler = _Unpickler(io.BytesIO(data), services, load_api)
    try:
        value = unpickler.load()
    except SnapshotError:
        raise
    except Exception as exc:  # a damaged or foreign file: one line, never a traceback
        raise SnapshotError(f"the snapshot does not load: {type(exc).__name__}: {exc}"
                            ) from None
    return value, unpickler.jobs
