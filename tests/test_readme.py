"""The README's set-up commands and CI stay in step."""
import re

from conftest import ROOT


def bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_the_two_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    first, second = [block.strip() for block in bash_blocks(readme)[:2]]
    assert first.startswith("python3 -m venv .venv") and "gluon-lr find" in first
    assert second.startswith("python3 -m venv .venv") and second.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    test_command = bash_blocks(readme)[1].strip()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_points_at_committed_files():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\(([^)#:]+)\)", readme):
        assert (ROOT / link).exists(), link
