"""Lists the public modules and names of the `locust` package (real Locust's,
with `reference`), or checks locusta's against such a list (with `check`)."""

import ast
import importlib
import inspect
import json
import os
import pkgutil
import sys
import types
import typing

OPTIONAL = {}


def _public_runtime(module):
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return sorted(set(declared))
    names = []
    for key, value in vars(module).items():
        if key.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
            if not str(getattr(value, "__module__", "")).startswith("locust"):
                continue
        elif getattr(type(value), "__module__", "") in ("typing", "typing_extensions"):
            continue
        names.append(key)
    return sorted(names)


def _public_source(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("locust")):
            names.update(alias.asname or alias.name for alias in node.names)
    return sorted(n for n in names if not n.startswith("_"))


def _signature(obj, method=False):
    """(parameter names, takes **kwargs) of a function, a method (without its
    first parameter) or a class (its constructor), or None."""
    try:
        parameters = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    if method and parameters:
        parameters = parameters[1:]
    names = [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return names, any(p.kind == p.VAR_KEYWORD for p in parameters)


def _callables(module, names):
    """{dotted name: object} of the public functions and classes among
    `names`, with the public methods a class defines itself."""
    found = {}
    for name in names:
        try:
            obj = getattr(module, name, None)
        except Exception:  # noqa: BLE001 - e.g. Flask's request proxy
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if inspect.isclass(obj) and issubclass(obj, type):
            continue  # metaclasses: called by class statements, not by name
        found[name] = obj
        if inspect.isclass(obj):
            for attribute, member in vars(obj).items():
                if not attribute.startswith("_") and inspect.isfunction(member):
                    found[f"{name}.{attribute}"] = member
    return found


def reference():
    import locust

    result = {}
    found = ["locust"] + [m.name for m in pkgutil.walk_packages(locust.__path__, "locust.", onerror=lambda _: None)]
    for name in found:
        parts = name.split(".")
        if any(p.startswith("_") or p in ("test", "webui") for p in parts):
            continue
        try:
            module = importlib.import_module(name)
            result[name] = {"names": _public_runtime(module)}
            signatures = {}
            for dotted, obj in _callables(module, result[name]["names"]).items():
                signature = _signature(obj, method="." in dotted)
                if signature is not None:
                    signatures[dotted] = signature[0]
            result[name]["signatures"] = signatures
        except ImportError as error:
            spec = importlib.util.find_spec(name)
            result[name] = {"names": _public_source(spec.origin), "needs": error.name}
    return result


_NOISE = {"annotations", "TYPE_CHECKING"}


def check(expected):
    """Imports each module of `expected` and looks up each of its names;
    prints one JSON report."""
    report = {"modules": {}, "missing_modules": {}, "missing_names": {}, "optional": {}, "signatures": [0, 0], "parameters": {}}
    for name, entry in expected.items():
        wanted = [n for n in entry["names"] if n not in _NOISE]
        needs = entry.get("needs")
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            missing = error.name or ""
            if missing and missing.split(".")[0] not in ("locust", "locusta"):
                # A package this Python lacks (Locust's error says the same).
                report["optional"][name] = missing
            else:
                report["missing_modules"][name] = f"{type(error).__name__}: {error}"
            continue
        except Exception as error:  # noqa: BLE001
            report["missing_modules"][name] = f"{type(error).__name__}: {error}"
            continue
        missing = [n for n in wanted if not hasattr(module, n)]
        report["modules"][name] = [len(wanted) - len(missing), len(wanted)]
        if missing:
            report["missing_names"][name] = missing
        # Every parameter Locust's functions and classes take is taken here
        # too (by name, or through **kwargs).
        for dotted, parameters in entry.get("signatures", {}).items():
            obj = module
            for part in dotted.split("."):
                obj = getattr(obj, part, None)
            signature = _signature(obj, method="." in dotted) if obj is not None else None
            if signature is None:
                continue
            report["signatures"][1] += 1
            accepted, takes_kwargs = signature
            lacking = [p for p in parameters if p not in accepted and not takes_kwargs]
            if lacking:
                report["parameters"][f"{name}.{dotted}"] = lacking
            else:
                report["signatures"][0] += 1
    print("API-REPORT " + json.dumps(report))


if __name__ == "__main__":
    if sys.argv[1] == "reference":
        result = reference()
        for entry in result.values():
            entry["names"] = [n for n in entry["names"] if n not in _NOISE]
        json.dump(result, sys.stdout, indent=1, sort_keys=True)
    else:
        with open(sys.argv[2], encoding="utf-8") as file:
            check(json.load(file))
