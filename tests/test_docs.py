"""The documentation: README.md and the pages under docs/ link to pages, headings and images that
exist (on GitHub as in the site that `make docs` builds), the API pages cover every module, every
public function and method that takes parameters describes each in a numpydoc ``Parameters``
section, and what the pages list of the command line is what it has. `make docs` (part of `make lint`)
builds the site with every warning an error."""

import ast
import inspect
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PACKAGE = REPO / "src" / "astronet"
PAGES = [REPO / "README.md", *sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)]
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*```.*?^\s*```", re.S | re.M)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading, which docs/conf.py gives Sphinx too (myst_heading_anchors)."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def _links(page: Path) -> list[tuple[bool, str]]:
    text = FENCE.sub("", page.read_text())
    return [(bool(bang), target) for bang, target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_anchors_as_github_makes_them():
    assert _anchor("NEST's phase timers") == "nests-phase-timers"
    assert _anchor("Fig. 3 as the authors drew it") == "fig-3-as-the-authors-drew-it"
    assert _anchor("Running with conda or a container") == "running-with-conda-or-a-container"


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_links_lead_to_pages_headings_and_images_that_exist(page):
    for image, target in _links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.is_file(), f"{page.relative_to(REPO)}: {target} does not exist"
        if image:
            assert dest.suffix in (".png", ".svg"), target
        if anchor:
            assert anchor in _anchors(dest), f"{page.relative_to(REPO)}: no heading for #{anchor} in {dest.name}"


def test_readme_links_every_page_of_the_docs():
    linked = {target.partition("#")[0] for _, target in _links(REPO / "README.md")}
    toctree = re.search(r"```\{toctree\}\n(.*?)```", (DOCS / "index.md").read_text(), re.S).group(1)
    pages = [line for line in toctree.splitlines() if line and not line.startswith(":")]
    assert {f"docs/{name}.md" for name in pages} <= linked, linked
    assert {p.stem for p in DOCS.glob("*.md")} - {"index"} == set(pages)


def test_api_pages_document_every_module():
    text = "".join(p.read_text() for p in [DOCS / "api.md", *DOCS.glob("api/*.md")])
    documented = set(re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M))
    modules = set()
    for path in (REPO / "src" / "astronet").rglob("*.py"):
        parts = path.relative_to(REPO / "src").with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert modules - documented == set(), "add to docs/api/: " + ", ".join(sorted(modules - documented))
    assert documented - modules == set()


def test_the_steps_listed_are_those_of_the_command_line():
    import argparse

    from astronet.__main__ import parser

    (steps,) = (a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    text = (DOCS / "getting-started.md").read_text()
    listed = re.search(r"`python -m astronet --help` lists the steps\s*\((.*?)\),", text, re.S).group(1)
    assert re.findall(r"`([a-z-]+)`", listed) == list(steps.choices)


def _public_functions():
    """``(where, name, docstring, parameters)`` of every public function and method of the package that
    takes parameters (:func:`_parameters`).

    Public: neither its name nor its class's starts with ``_``, nor does its module's (``__init__`` and
    ``__main__`` aside). Functions nested in functions are not looked at; methods that dataclasses
    generate have no source, and ``self`` and ``cls`` are no parameters.
    """
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.stem.startswith("_") and path.stem not in ("__init__", "__main__"):
            continue
        where = path.relative_to(REPO).as_posix()
        bodies = [(ast.parse(path.read_text()).body, "")]
        while bodies:
            body, prefix = bodies.pop()
            for node in body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    bodies.append((node.body, f"{prefix}{node.name}."))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                    parameters = _parameters(node, prefix)
                    if parameters:
                        yield f"{where}:{node.lineno}", prefix + node.name, ast.get_docstring(node), parameters


def _parameters(node, prefix: str = "") -> list[str]:
    """The parameters of a function as its docstring names them: ``*args`` and ``**kwargs`` with their stars;
    without ``self`` or ``cls`` (a method's first, ``prefix`` naming its class)."""
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if prefix and names and names[0] in ("self", "cls"):
        names = names[1:]
    names += [a.arg for a in args.kwonlyargs]
    if args.vararg:
        names.append("*" + args.vararg.arg)
    if args.kwarg:
        names.append("**" + args.kwarg.arg)
    return names


def _documented_parameters(docstring: str) -> set[str] | None:
    """The names a numpydoc ``Parameters`` section lists (``name : type``, ``a, b : type`` or a bare
    ``name``), None without that section."""
    lines = docstring.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "Parameters" and lines[i + 1].strip() == "-" * len("Parameters"):
            indent = len(line) - len(line.lstrip())
            names = set()
            section = lines[i + 2 :]
            for j, entry in enumerate(section):
                if not entry.strip() or len(entry) - len(entry.lstrip()) > indent:
                    continue  # a description
                if j + 1 < len(section) and re.fullmatch(r"\s*-{3,}", section[j + 1]):
                    break  # the next section's heading
                names.update(n.strip().replace("\\", "") for n in entry.split(" :")[0].split(","))
            return names
    return None


def test_parameters_as_numpydoc_lists_them():
    def f(a, b, *args, c=1, **kwargs):
        """Summary.

        Parameters
        ----------
        a, b : float
            Two, in ms.
        *args : int
            More.
        c
            A bare name.

        Returns
        -------
        d : float
            Not a parameter.
        """

    node = ast.parse("def f(self, a, b, *args, c=1, **kwargs): pass").body[0]
    assert _parameters(node, "C.") == ["a", "b", "c", "*args", "**kwargs"]
    assert _parameters(node) == ["self", "a", "b", "c", "*args", "**kwargs"]
    assert _documented_parameters(inspect.getdoc(f)) == {"a", "b", "*args", "c"}
    assert _documented_parameters("Summary.\n\nParameters: none") is None


def test_every_public_function_documents_its_parameters():
    """numpydoc, as docs/conf.py's napoleon reads it: each parameter under ``Parameters`` (``*args`` and
    ``**kwargs`` may be left out)."""
    offenders = []
    for where, name, docstring, parameters in _public_functions():
        listed = _documented_parameters(docstring) if docstring else None
        if docstring is None:
            offenders.append(f"{where} {name}: no docstring")
        elif listed is None:
            offenders.append(f"{where} {name}: no Parameters section")
        else:
            missing = [p for p in parameters if p not in listed and not p.startswith("*")]
            if missing:
                offenders.append(f"{where} {name}: {', '.join(missing)} not under Parameters")
    assert not offenders, f"{len(offenders)} without numpydoc Parameters:\n" + "\n".join(offenders)
