"""Check that .github/workflows does what this project needs of it.

    python scripts/check_workflows.py [--dir .github/workflows]

GitHub's own schema (check-jsonschema's vendored ``github-workflows``, run by
.ci/run) says whether a file is a workflow at all; this says whether the set is
the one the project relies on:

- CI: on every push to main and every pull request, a step runs ``bash .ci/run``;
- the site: built on push to main and deployed with ``actions/deploy-pages`` (with
  ``pages: write`` and ``id-token: write``), and on every pull request uploaded with
  ``actions/upload-artifact`` from ``_build/html``, the downloadable preview;
- a weekly schedule installs ``binder/requirements.txt`` and runs every chapter
  (nbval over ``book``);
- every workflow sets ``permissions``, every job a ``timeout-minutes``, and every
  action is pinned to a ref (``owner/repo@ref``).

Prints one line per problem and exits 1 if there is any, 0 otherwise; 2 if the
folder holds no workflow or a file is not YAML.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: minute hour day-of-month month day-of-week, with a fixed day of the week: once a week.
WEEKLY_CRON = re.compile(r"\d{1,2} \d{1,2} \* \* [0-6]")


def triggers(workflow: dict) -> dict:
    """The workflow's ``on:`` as a mapping of event to settings (YAML 1.1 reads a bare ``on`` key as True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on if isinstance(on, dict) else {}


def _steps(workflow: dict):
    for job in (workflow.get("jobs") or {}).values():
        yield from job.get("steps") or []


def _on_push_to_main(on: dict) -> bool:
    if "push" not in on:
        return False
    branches = (on["push"] or {}).get("branches")
    return branches is None or "main" in branches


def problems(workflows: dict[str, dict]) -> list[str]:
    """Return what is missing or wrong in ``workflows``, by file name; empty if nothing is.

    Parameters
    ----------
    workflows : dict of str to dict
        Each workflow file's name and its parsed YAML.
    """
    found = []
    for name, wf in workflows.items():
        if "permissions" not in wf:
            found.append(f"{name}: set top-level permissions (least privilege, e.g. contents: read)")
        for job_name, job in (wf.get("jobs") or {}).items():
            if "steps" in job and "timeout-minutes" not in job:
                found.append(f"{name}: job {job_name} has no timeout-minutes")
        for step in _steps(wf):
            uses = step.get("uses")
            if uses and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", uses):
                found.append(f"{name}: action {uses!r} is not pinned to a ref (owner/repo@ref)")

    def having(pred):
        return [n for n, wf in workflows.items() if pred(wf, triggers(wf))]

    def step_runs(wf, text):
        return any(text in (s.get("run") or "") for s in _steps(wf))

    def step_uses(wf, action):
        return any((s.get("uses") or "").startswith(action + "@") for s in _steps(wf))

    if not having(lambda wf, on: "pull_request" in on and _on_push_to_main(on) and step_runs(wf, "bash .ci/run")):
        found.append("no workflow runs `bash .ci/run` on push to main and on pull requests")
    deploy = having(lambda wf, on: _on_push_to_main(on) and step_uses(wf, "actions/deploy-pages"))
    if not deploy:
        found.append("no workflow deploys the site with actions/deploy-pages on push to main")
    for name in deploy:
        perms = [job.get("permissions") or {} for job in workflows[name]["jobs"].values()]
        perms.append(workflows[name].get("permissions") or {})
        if not any(p.get("pages") == "write" and p.get("id-token") == "write" for p in perms):
            found.append(f"{name}: deploying to Pages needs permissions pages: write and id-token: write")
    preview = having(
        lambda wf, on: "pull_request" in on
        and any(
            (s.get("uses") or "").startswith("actions/upload-artifact@")
            and str((s.get("with") or {}).get("path", "")).rstrip("/") == "_build/html"
            for s in _steps(wf)
        )
    )
    if not preview:
        found.append("no workflow uploads _build/html with actions/upload-artifact on pull requests (the preview)")
    weekly = having(
        lambda wf, on: any(WEEKLY_CRON.fullmatch(str(s.get("cron", "")).strip()) for s in on.get("schedule") or [])
        and step_runs(wf, "binder/requirements.txt")
        and any(re.search(r"--nbval\S*.* book\b", s.get("run") or "") for s in _steps(wf))
    )
    if not weekly:
        found.append("no weekly workflow installs binder/requirements.txt and runs every chapter (nbval over book)")
    return found


def user_error(message: str) -> int:
    """Report a user error as one line on stderr, as the package's command line does; returns the exit code, 2."""
    print(f"{Path(__file__).name}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / ".github" / "workflows", help="the workflows' folder")
    args = parser.parse_args(argv)
    files = sorted([*args.dir.glob("*.yml"), *args.dir.glob("*.yaml")])
    if not files:
        return user_error(f"{args.dir}: no workflow (*.yml, *.yaml) found")
    workflows = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            return user_error(f"{path}: not valid YAML ({str(exc).splitlines()[0]})")
        if not isinstance(data, dict):
            return user_error(f"{path}: a workflow must be a YAML mapping")
        workflows[path.name] = data
    found = problems(workflows)
    for line in found:
        print(line)
    print(f"{len(workflows)} workflow(s) checked: " + (f"{len(found)} problem(s)" if found else "all duties covered"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
