"""Command line: parse, call the api, render, map to an exit code. No logic lives here.

Exit codes (one table, README documents it): 0 success / nothing to do; 1 error; 2 `plan` found changes;
3 a gate blocked the release (or verify found a mismatch, or a rule's rerun differed); 4 refused by a safety rule.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from releasebuild import __version__, fastpath
from releasebuild.errors import (
    EXIT_CHANGES_PENDING,
    EXIT_ERROR,
    EXIT_GATE_BLOCKED,
    EXIT_OK,
    DefinitionError,
    ReleaseBuildError,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 1 like every other error (argparse's default is 2, which means 'changes pending')."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def _parser() -> argparse.ArgumentParser:
    from releasebuild.determinism import DEFAULT_SAMPLE
    from releasebuild.plan import DEFAULT_COMPUTE_BUDGET

    common = _Parser(add_help=False)
    common.add_argument("definition", nargs="?", default="release.yaml", type=Path,
                        help="the release definition (default: release.yaml)")
    common.add_argument("--root", help="release root URI, overriding release.yaml and $RELEASEBUILD_ROOT")
    common.add_argument("--json", action="store_true", help="print exactly one JSON document on stdout")
    parser = _Parser(prog="releasebuild", description="Declarative, reproducible, gated training-data releases.")
    parser.add_argument("--version", action="version", version=f"releasebuild {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("validate", parents=[common], help="check release.yaml and its includes; run nothing")
    plan = sub.add_parser("plan", parents=[common], help="show what apply would run and why (exit 2 if anything)")
    plan.add_argument("--all", action="store_true", help="list cached steps too")
    plan.add_argument("-out", "--out", type=Path, metavar="FILE",
                      help="save the plan; `apply FILE` applies exactly it, or refuses if anything drifted")
    plan.add_argument("--format", choices=["text", "markdown"], default="text",
                      help="markdown: a pull-request comment (kept under GitHub's 65,535 characters)")
    plan.add_argument("--against", metavar="REF",
                      help="compare with a published release (URI or local prefix; 'published': this version as "
                           "the root holds it, else the previous release), another release.yaml, or git:<rev> "
                           "(default: the last successful apply, from release.lock)")
    plan.add_argument("--compute-data", action="store_true",
                      help="build the data steps first (into the cache only: nothing is published, release.lock "
                           "is untouched) so record, token and turn deltas are exact, not 'known after apply'")
    plan.add_argument("--compute-budget", type=_non_negative, default=None, metavar="N",
                      help="records plan may compute afresh, in scratch, to know what data steps that must rerun "
                           f"make (default {DEFAULT_COMPUTE_BUDGET:,}; 0: none, as before); steps past it may run")
    apply = sub.add_parser("apply", parents=[common], help="build stale steps and publish the release")
    apply.add_argument("--jobs", type=int, default=None, help="parallel step processes (default: CPU count)")
    apply.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                       help="wait up to this long for another apply holding a remote root (default: refuse at once)")
    apply.add_argument("--check-determinism", type=_positive, nargs="?", const=DEFAULT_SAMPLE, metavar="N",
                       help="instead of applying: rerun up to N (default 5) rules whose outputs are cached, chosen "
                            "at random, and compare their outputs byte for byte (exit 3 if one differs)")
    sub.add_parser("coverage", parents=[common],
                   help="required families against their storage evidence (exit 3 if one is missing or partial)")
    sub.add_parser("unlock", parents=[common], help="break a remote root's apply lock (after a crashed apply)")
    status = sub.add_parser("status", parents=[common],
                            help="which reviews are approved, pending, stale or rejected (exit 3 unless all are "
                                 "approved)")
    status.add_argument("--attempts", action="store_true",
                        help="instead: list the blocked applies whose reports are under <root>/attempts/")
    signoff = sub.add_parser("signoff", help="human review: samples, review forms, sign-off records")
    actions = signoff.add_subparsers(dest="action", required=True, parser_class=_Parser)
    samples = actions.add_parser("samples", parents=[common],
                                 help="build the QA samples and review pages (only the steps they need)")
    samples.add_argument("--out", type=Path, help="where to write qa/ (default .releasebuild/review/<version>/)")
    template = actions.add_parser("template", parents=[common], help="print the review form for this build's sample")
    template.add_argument("--review", required=True, help="the review, e.g. clinician_qa")
    record = actions.add_parser("record", parents=[common],
                                help="record a decision in signoffs/<version>/<review>.yaml")
    record.add_argument("--review", help="the review, e.g. clinician_qa (default: the form's)")
    record.add_argument("--from", dest="form", type=Path, help="a filled review form (`signoff template`)")
    record.add_argument("--sample", help="the digest of the sample you reviewed (a prefix of 12+ hex digits will do)")
    record.add_argument("--reviewer", help="your reviewer id (staff id or e-mail)")
    record.add_argument("--role", help="your role, e.g. clinician")
    record.add_argument("--decision", choices=["approve", "reject"])
    record.add_argument("--result", action="append", default=[], metavar="ITEM=pass|fail",
                        help="one rubric item's result (repeat); --all-pass for every item")
    record.add_argument("--all-pass", action="store_true", help="every rubric item passed")
    record.add_argument("--exception", action="append", default=[], metavar="[ITEM]:[FAMILY/ID]:NOTE",
                        help="an exception on record (repeat)")
    record.add_argument("--notes")
    record.add_argument("--key", type=Path, help="your SSH key: the private key file (or its .pub while ssh-agent "
                        "holds it); allowed_signers beside gates/signoff.yaml must let it sign this review")
    actions.add_parser("demo", parents=[common],
                       help="approve the current samples as demo reviewers (demo data only; a protected root refuses)")
    diff = sub.add_parser("diff", help="what changed between two published releases (exit 2 if anything)")
    diff.add_argument("a", help="the earlier release: its prefix URI (s3://…/releases/v…/) or local directory")
    diff.add_argument("b", help="the later release")
    diff.add_argument("--json", action="store_true", help="print exactly one JSON document on stdout")
    diff.add_argument("--format", choices=["text", "markdown"], default="text",
                      help="markdown: a pull-request comment (kept under GitHub's 65,535 characters)")
    verify = sub.add_parser("verify", help="check a published release against its manifest (exit 3 on a mismatch)")
    verify.add_argument("uri", help="the release: its prefix (s3://…/releases/v…), local directory or manifest.json")
    verify.add_argument("--jobs", type=_positive, default=8, help="objects hashed in parallel (default: 8)")
    verify.add_argument("--json", action="store_true", help="print exactly one JSON document on stdout")
    graph = sub.add_parser("graph", parents=[common], help="print the step graph")
    graph.add_argument("--format", choices=["text", "dot"], default="text")
    server = sub.add_parser("server", help="a warm server: later commands of this user, code and environment run "
                                           "in it with their imports and loads made (opt-in; see docs/design.md)")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("definition", nargs="?", default="release.yaml", type=Path,
                        help="start: the release whose steps' loads the server makes (default: release.yaml)")
    server.add_argument("--idle-minutes", type=_positive, default=180,
                        help="start: stop after this long without a command (default: 180)")
    server.add_argument("--all", action="store_true",
                        help="stop: every server of this user, also those of code or environments changed since")
    server.add_argument("--json", action="store_true", help="print exactly one JSON document on stdout")
    return parser


def _non_negative(text: str) -> int:
    """An argparse type: a whole number, 0 included (else a usage error, exit 1)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (else a usage error, exit 1)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


class _Redacting:
    """A text stream that scrubs credential values: the last line of defence for 'secrets never appear'. Keeps
    what it wrote when asked (`kept`), for the fast path's stamp."""

    def __init__(self, stream: Any, kept: list[str] | None = None):
        self._stream = stream
        self.kept = kept

    def write(self, text: str) -> int:
        from releasebuild.redaction import redact

        text = redact(text)
        if self.kept is not None:
            self.kept.append(text)
        written: int = self._stream.write(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Run one command. A plain `plan` or `apply` that changes nothing is answered from the stamp of the last
    identical no-op when nothing it read has changed since (fastpath.py), and stamps itself otherwise. Called as the
    program (no `argv`), it is run by a warm server of this code and environment when one runs (server.py)."""
    from_process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    replayed = fastpath.replay(argv)
    if replayed is not None:
        return replayed
    if from_process:  # the process's own command, not a call from code: a warm server may run it (server.py)
        from releasebuild import server

        served = server.delegate(argv)
        if served is not None:
            return served
    streams = sys.stdout, sys.stderr
    with fastpath.recording(argv) as recorder:
        kept: tuple[list[str], list[str]] | None = ([], []) if recorder is not None else None
        sys.stdout = _Redacting(sys.stdout, kept[0] if kept else None)
        sys.stderr = _Redacting(sys.stderr, kept[1] if kept else None)
        try:
            code, noop = _main(argv)
        finally:
            sys.stdout, sys.stderr = streams
    if recorder is not None and kept is not None:
        fastpath.save(argv, recorder, "".join(kept[0]), "".join(kept[1]), code, noop)
    return code


def _main(argv: list[str]) -> tuple[int, bool]:
    """The exit code, and whether the command was a no-op (plan: no changes; apply: every step cached)."""
    args = _parser().parse_args(argv)
    args.noop = False
    try:
        return _COMMANDS[args.command](args), args.noop
    except DefinitionError as exc:
        from releasebuild.render import definition_errors

        if args.json:
            _emit({"ok": False, "errors": [d.to_json() for d in exc.diagnostics]})
        sys.stderr.write(definition_errors(exc))
        return exc.exit_code, False
    except ReleaseBuildError as exc:
        if args.json:
            _emit({"ok": False, "error": str(exc)})
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code, False
    except OSError as exc:  # a file or endpoint outside any step: still an error with a message, not a traceback
        if args.json:
            _emit({"ok": False, "error": str(exc)})
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR, False
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_ERROR, False


def _validate(args: argparse.Namespace) -> int:
    from releasebuild.api import validate

    definition = validate(args.definition)
    families = sorted(definition.families)
    if args.json:
        _emit({"ok": True, "version": definition.release.version, "families": families,
               "gates": sorted(definition.gates), "files": definition.files})
    else:
        print(f"{args.definition}: valid ({definition.release.version}, {len(families)} families, "
              f"{len(definition.gates)} gates)")
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    from releasebuild.api import plan, save_plan
    from releasebuild.plan import DEFAULT_COMPUTE_BUDGET
    from releasebuild.progress import progress_listener
    from releasebuild.render import plan_markdown, plan_text

    # Progress when something is built; a plain plan says on stderr which data steps it computes in scratch.
    budget = DEFAULT_COMPUTE_BUDGET if args.compute_budget is None else args.compute_budget
    with progress_listener(sys.stderr) if args.compute_data else contextlib.nullcontext(_computing) as listener:
        if args.out is not None:
            result = save_plan(args.definition, args.root, args.against, args.out, args.compute_data, listener,
                               budget)
        else:
            result = plan(args.definition, args.root, args.against, args.compute_data, listener, budget)
    if args.json:
        _emit(result.to_json())
    elif args.format == "markdown":
        sys.stdout.write(plan_markdown(result))
    else:
        sys.stdout.write(plan_text(result, colour=_colour(sys.stdout), show_cached=args.all))
    args.noop = not result.has_changes and args.out is None and not args.compute_data
    return EXIT_CHANGES_PENDING if result.has_changes else EXIT_OK


def _computing(step_id: str, event: str, detail: str) -> None:
    """A plain plan's progress: each data step it runs in scratch, one line on stderr (stdout holds the plan)."""
    sys.stderr.write(f"[{event}] {step_id}: {detail}\n")
    sys.stderr.flush()


def _apply(args: argparse.Namespace) -> int:
    from releasebuild.api import apply, check_drift, read_saved_plan
    from releasebuild.progress import progress_listener
    from releasebuild.render import apply_text

    definition, root = args.definition, args.root
    saved = read_saved_plan(definition) if definition.is_file() else None
    if saved is not None:  # a plan made with `plan -out`: exactly its tree, or nothing
        definition, root = check_drift(saved), saved["root"]
    if args.check_determinism is not None:
        return _check_determinism(args, definition, root)
    events: set[str] = set()
    with progress_listener(sys.stderr) as listener:
        def noting(step_id: str, event: str, detail: str) -> None:
            events.add(event)
            listener(step_id, event, detail)

        report = apply(definition, root, noting, args.jobs, args.wait)
    error = report.outcome.error
    if args.json:
        _emit(report.to_json())
    else:
        sys.stdout.write(apply_text(report, colour=_colour(sys.stdout)))
    if error is not None:
        sys.stderr.write(f"error: {error}\n")
        return error.exit_code
    # a no-op: every step cached, and nothing recovered or set aside on the way (which a replay would not do)
    args.noop = saved is None and all(step.status == "cached" for step in report.outcome.steps) and not (
        events & {"recovered", "set-aside"})
    return EXIT_OK


def _check_determinism(args: argparse.Namespace, definition: Path, root: str | None) -> int:
    from releasebuild.api import check_determinism
    from releasebuild.render import determinism_text

    report = check_determinism(definition, root, args.check_determinism)
    _show(args, report.to_json(), lambda: determinism_text(report, colour=_colour(sys.stdout)))
    return EXIT_OK if report.consistent else EXIT_GATE_BLOCKED


def _coverage(args: argparse.Namespace) -> int:
    from releasebuild.api import coverage
    from releasebuild.render import coverage_text

    report = coverage(args.definition, args.root)
    _show(args, report, lambda: coverage_text(report, colour=_colour(sys.stdout)))
    return EXIT_GATE_BLOCKED if report["status"] == "fail" else EXIT_OK


def _unlock(args: argparse.Namespace) -> int:
    import time

    from releasebuild.api import unlock

    root, holder = unlock(args.definition, args.root)
    if args.json:
        _emit({"root": root, "broken": holder.__dict__ if holder else None})
    elif holder is None:
        print(f"{root}: no apply lock held")
    else:
        print(f"{root}: broke the apply lock of {holder.describe(time.time())}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from releasebuild.render import attempts_text, status_text
    from releasebuild.review.commands import status

    if args.attempts:
        from releasebuild.api import attempts

        recorded = attempts(args.definition, args.root)
        _show(args, recorded, lambda: attempts_text(recorded))
        return EXIT_OK

    report = status(args.definition, args.root)
    _show(args, report, lambda: status_text(report, colour=_colour(sys.stdout)))
    return EXIT_OK if report["ready"] else EXIT_GATE_BLOCKED


def _signoff(args: argparse.Namespace) -> int:
    from releasebuild.review import commands

    if args.action == "samples":
        result = commands.export_samples(args.definition, args.root, args.out)
        if args.json:
            _emit(result)
        else:
            print(f"QA samples of {result['version']} in {result['out']}/qa/:")
            for review, digest in result["reviews"].items():
                print(f"  {review}: {digest or 'no family in its scope'}  ({result['out']}/qa/{review}/index.md)")
        return EXIT_OK
    if args.action == "template":
        text = commands.template(args.definition, args.review, args.root)
        _show(args, {"review": args.review, "form": text}, lambda: text)
        return EXIT_OK
    if args.action == "record":
        path, written = commands.record(args.definition, args.review, _record_fields(args), args.form, args.root,
                                        key=args.key)
        if args.json:
            _emit({"file": str(path), "id": written.id, "record": written.model_dump(mode="json")})
        else:
            print(f"recorded {written.id}: {written.review} {written.decision} by {written.reviewer.id} "
                  f"({written.reviewer.role}) in {path}; commit it with the release")
        return EXIT_OK
    done = commands.demo(args.definition, args.root)
    if args.json:
        _emit({"reviews": done})
    else:
        for entry in done:
            print(f"{entry['review']}: {entry['action'].replace('_', ' ')}"
                  + (f" ({entry['id']})" if entry.get("id") else ""))
    return EXIT_OK


def _record_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The flags of `signoff record` as the fields of a review form (validated like a form file)."""
    fields: dict[str, Any] = {}
    if args.sample is not None:
        fields["sample"] = args.sample
    if args.reviewer is not None or args.role is not None:
        fields["reviewer"] = {"id": args.reviewer, "role": args.role}
    if args.decision is not None:
        fields["decision"] = args.decision
    results: dict[str, Any] = {"*": "pass"} if args.all_pass else {}
    for entry in args.result:
        item, _, result = entry.partition("=")
        results[item.strip()] = result.strip()
    if results:
        fields["rubric"] = results
    exceptions = []
    for entry in args.exception:
        parts = entry.split(":", 2)
        item, record, note = parts if len(parts) == 3 else ("", "", entry)
        exceptions.append({key: value for key, value in (("item", item), ("record", record), ("note", note))
                           if value})
    if exceptions:
        fields["exceptions"] = exceptions
    if args.notes:
        fields["notes"] = args.notes
    return fields


def _diff(args: argparse.Namespace) -> int:
    from releasebuild.release_diff import diff_releases
    from releasebuild.render import diff_markdown, diff_text

    report = diff_releases(args.a, args.b)
    _show(args, report, lambda: diff_markdown(report) if args.format == "markdown"
          else diff_text(report, colour=_colour(sys.stdout)))
    return EXIT_OK if report["identical"] else EXIT_CHANGES_PENDING


def _verify(args: argparse.Namespace) -> int:
    from releasebuild.render import verify_text
    from releasebuild.verify import verify_release

    report = verify_release(args.uri, args.jobs)
    _show(args, report.to_json(), lambda: verify_text(report, colour=_colour(sys.stdout)))
    return EXIT_OK if report.sound else EXIT_GATE_BLOCKED


def _graph(args: argparse.Namespace) -> int:
    from releasebuild.api import graph
    from releasebuild.graph import render_dot, render_text, topological_order

    result = graph(args.definition)
    if args.json:
        _emit({"nodes": [{"id": node, "kind": result.nodes[node]["spec"].kind,
                          "deps": list(result.nodes[node]["spec"].deps)} for node in topological_order(result)]})
    else:
        sys.stdout.write(render_dot(result) if args.format == "dot" else render_text(result))
    return EXIT_OK


def _server(args: argparse.Namespace) -> int:
    import functools

    from releasebuild import server
    from releasebuild.app.warming import warm

    if args.action == "start":
        started = server.start(main, functools.partial(warm, args.definition), args.idle_minutes * 60)
        document = {"ok": True, "pid": started.pid, "socket": str(started.socket), "log": str(started.log),
                    "already_running": started.already, "load_seconds": round(started.seconds, 3)}
        _show(args, document, lambda: (
            f"a server of this code and environment already runs (pid {started.pid}): {started.socket}\n"
            if started.already else
            f"server started (pid {started.pid}, loads made in {started.seconds:.1f}s): {started.socket}\n"
            f"commands run here with this code and environment are served until it has been idle "
            f"{args.idle_minutes} minutes or `releasebuild server stop`; its log: {started.log}\n"))
        return EXIT_OK
    if args.action == "stop" and args.all:
        stopped = server.stop_all()
        _show(args, {"ok": True, "stopped": stopped},
              lambda: f"stopped {len(stopped)} server(s){': ' if stopped else ''}{', '.join(map(str, stopped))}\n")
        return EXIT_OK
    reply = server.ask(args.action)
    if args.action == "stop":
        _show(args, {"ok": True, "stopped": reply["stopped"] if reply else None}, lambda: (
            f"server {reply['stopped']} stopped\n" if reply else "no server of this code and environment runs\n"))
        return EXIT_OK
    _show(args, {"ok": True, "server": reply}, lambda: (
        f"server {reply['pid']}: {reply['served']} commands served, {reply['running']} running; "
        f"{reply['socket']}\n" if reply else "no server of this code and environment runs\n"))
    return EXIT_OK


_COMMANDS = {"validate": _validate, "plan": _plan, "apply": _apply, "coverage": _coverage, "unlock": _unlock,
             "graph": _graph, "status": _status, "signoff": _signoff, "diff": _diff,
             "verify": _verify, "server": _server}


def _show(args: argparse.Namespace, document: Any, text: Callable[[], str]) -> None:
    """`--json`: the document, alone on stdout; otherwise the rendered text."""
    if args.json:
        _emit(document)
    else:
        sys.stdout.write(text())


def _emit(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")


def _colour(stream: Any) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


if __name__ == "__main__":
    raise SystemExit(main())
