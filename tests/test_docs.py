"""The documentation: README.md and the pages under docs/ link to pages, headings and images that
exist (on GitHub as in the site that `make docs` builds), the API pages cover every module, and what
the pages list of the command line is what it has. `make docs` (part of `make lint`) builds the site
with every warning an error."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
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
