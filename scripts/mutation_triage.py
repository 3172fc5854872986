"""Run pure test files against many mutants quickly, without pytest per mutant (docs/mutation-testing.md).

    .venv/bin/python scripts/mutation_triage.py NAMES LOG tests/test_posting_core.py [more test files]

Needs a `mutants/` directory made by `mutmut run` (its trampolines choose the mutant named in the environment).
The test files are imported once; for each mutant named in the file NAMES (one a line) a forked child calls the
test functions in file order until one fails, as `pytest -x` would, and LOG gets one line: "🎉 NAME 1" (killed)
or "🙁 NAME 0" (survived), the way mutmut's own logs end. A mutant already in LOG is skipped, so a run stopped
midway goes on where it stopped. A mutant that runs for a minute is killed (a timeout, counted as killed).

On a loaded shared machine this is ten to thirty times mutmut's pace for pure tests (no collection, no plugins
per mutant). It only runs the files given, so a survivor here may still die in mutmut's run of the whole test
list: run mutmut on the survivors (their names) for the verdict that counts. Test functions may take
`tmp_path`, `monkeypatch` and `pytest.mark.parametrize` arguments; other fixtures are not supported.
SKIP_TESTS=name,name leaves test functions out (a test that fails on every mutant of an older source).
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path


def load_tests(files: list[str]) -> list[tuple]:
    skip = set(os.environ.get("SKIP_TESTS", "").split(","))
    tests = []
    for path in files:
        spec = importlib.util.spec_from_file_location(Path(path).stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses in a test module look their module up
        spec.loader.exec_module(module)
        functions = [f for n, f in vars(module).items()
                     if n.startswith("test_") and inspect.isfunction(f) and n not in skip]
        functions.sort(key=lambda f: f.__code__.co_firstlineno)
        for function in functions:
            params = [{}]
            for mark in getattr(function, "pytestmark", []):
                if mark.name == "parametrize":
                    names = mark.args[0]
                    names = [a.strip() for a in names.split(",")] if isinstance(names, str) else list(names)
                    params = [dict(zip(names, v if len(names) > 1 else (v,))) for v in mark.args[1]]
            tests.extend((function, p) for p in params)
    return tests


def run_all(tests: list[tuple]) -> None:
    import pytest

    for function, params in tests:
        kwargs = dict(params)
        tmp = patch = None
        for arg in inspect.signature(function).parameters:
            if arg == "tmp_path":
                tmp = kwargs[arg] = Path(tempfile.mkdtemp(prefix="triage-"))
            elif arg == "monkeypatch":
                patch = kwargs[arg] = pytest.MonkeyPatch()
        try:
            function(**kwargs)
        finally:
            if patch is not None:
                patch.undo()
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def check(tests: list[tuple], name: str) -> int:
    """The exit code of the tests with `name` the mutant under test: 0 survived, else killed."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.environ["MUTANT_UNDER_TEST"] = name
        signal.alarm(60)
        try:
            run_all(tests)
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main() -> int:
    names_file, log, *files = sys.argv[1:]
    if not Path("mutants/src").is_dir():
        print("no mutants/src: run `make mutation` (or mutmut run) first")
        return 1
    sys.path.insert(0, str(Path("mutants/src").resolve()))
    os.environ.setdefault("BILAG_TEST_STORES", "sqlite")
    os.environ["MUTANT_UNDER_TEST"] = "none"
    tests = load_tests(files)
    if check(tests, "none") != 0:
        print("the tests fail without a mutant")
        return 1
    names = [n.strip() for n in Path(names_file).read_text().splitlines() if n.strip()]
    done = {line.split()[1] for line in Path(log).read_text().splitlines() if len(line.split()) > 1} \
        if Path(log).exists() else set()
    with open(log, "a") as out:
        for name in names:
            if name not in done:
                code = check(tests, name)
                out.write(f"{'🎉' if code != 0 else '🙁'} {name} {code}\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
