"""The README and docs/ stay true: set-up commands, examples that run, links, the layout."""
import contextlib
import io
import pathlib
import re

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
import pytest

from conftest import ROOT
from gluon_lr.suggest import falling_region

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def section(text, title):
    """The text under the ``## title`` heading, up to the next ``## `` heading."""
    match = re.search(r"^## {}\n(.*?)(?=^## |\Z)".format(re.escape(title)), text,
                      flags=re.S | re.M)
    assert match, "README has no section '## {}'".format(title)
    return match.group(1)


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {slug(heading) for heading in re.findall(r"^#+ (.*)$", text, flags=re.M)}


def test_readme_opens_with_the_two_set_up_commands():
    readme = README.read_text()
    first, second = [block.strip() for block in bash_blocks(readme)[:2]]
    assert first.startswith("python3 -m venv .venv") and "gluon-lr find" in first
    assert second.startswith("python3 -m venv .venv") and second.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    readme = README.read_text()
    test_command = bash_blocks(readme)[1].strip()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_stays_short():
    assert len(README.read_text().splitlines()) <= 250


@pytest.mark.parametrize("page", [README] + DOCS, ids=lambda path: path.name)
def test_links_point_at_committed_files_and_headings(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), "{}: {}".format(page.name, link)
        if anchor:
            assert anchor in anchors(path), "{}: no heading for {}".format(page.name, link)


def test_readme_links_every_docs_page():
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", README.read_text()))
    assert linked == {path.name for path in DOCS}


def test_every_measured_row_names_a_committed_command():
    table = section(README.read_text(), "Measurements")
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(rows) >= 10
    for row in rows:
        command = row.split("|")[1].strip()
        if command == "same run":
            continue
        scripts = re.findall(r"(bench_\w+\.py)", command)
        assert scripts, row
        assert (ROOT / "bench" / scripts[0]).is_file(), row


def layout_entries():
    """``{path: description}`` of docs/layout.md's list; continuation lines join their entry."""
    block = re.search(r"```\n(.*?)```", (ROOT / "docs" / "layout.md").read_text(), flags=re.S)
    entries, current = {}, None
    for line in block.group(1).splitlines():
        if line.startswith(" "):
            entries[current] += " " + line.strip()
        else:
            current, _, description = line.partition(" ")
            entries[current] = description.strip()
    return entries


def test_layout_names_every_module_and_nothing_else():
    entries = layout_entries()
    for path in sorted((ROOT / "gluon_lr").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parent == pathlib.Path("gluon_lr"):
            assert str(relative) in entries, relative
        elif path.name != "__init__.py":
            package = "{}/".format(relative.parent)
            assert package in entries, package
            assert re.search(r"(?<![\w/]){}\b".format(re.escape(path.name)),
                             entries[package]), relative
    for entry, description in entries.items():
        assert (ROOT / entry).exists(), entry
        if entry.startswith("gluon_lr/") and entry.endswith("/"):
            for name in re.findall(r"(?<![\w/.])(\w+\.py)\b", description):
                assert (ROOT / entry / name).is_file(), entry + name


@pytest.fixture(scope="module")
def own_model():
    """The README's "Your own model" block, run once with seeds 0: its namespace and output."""
    text = section(README.read_text(), "Your own model")
    assert "softmax cross-entropy" in text
    blocks = python_blocks(text)
    assert len(blocks) == 1
    np.random.seed(0)
    mx.np.random.seed(0)
    namespace = {"__name__": "test_readme_example"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(blocks[0], "README.md (Your own model)", "exec"), namespace)
    yield namespace, printed.getvalue()
    namespace["learner"].close()
    plt.close("all")


def test_own_model_example_prints_a_rate_where_its_loss_falls(own_model):
    namespace, printed = own_model
    finder = namespace["finder"]
    match = re.fullmatch(r"suggested learning rate: (\S+)\n", printed)
    assert match, printed
    rate = float(match.group(1))
    low, high = falling_region(finder.lrs, finder.losses)
    assert low <= rate <= high
    # the regression's loss falls between about 1e-2 and 1 with Adam
    assert 1e-3 < rate < 1


def test_three_workflows_run_on_the_own_model_example(own_model):
    namespace, _ = own_model
    blocks = python_blocks(section(README.read_text(), "Three workflows"))
    assert len(blocks) == 3
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for number, block in enumerate(blocks, 1):
            exec(compile(block, "README.md (workflow {})".format(number), "exec"), namespace)
    lines = printed.getvalue().splitlines()
    rate = namespace["rate"]
    assert lines[0] == "confirmed learning rate: {}".format(rate) and rate > 0
    assert [line.split(":")[0] for line in lines[1:]] == [
        "lr {:.3g}".format(lr) for lr in (rate / 10, rate, rate * 10)]
    assert len(namespace["losses"]) == 1000
    assert namespace["learner"].trainer.optimizer.num_update == 1000
