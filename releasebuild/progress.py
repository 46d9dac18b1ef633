"""Progress on stderr while apply runs: a rich live display on a terminal, plain lines otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from releasebuild.engine import Listener


@contextmanager
def progress_listener(stream: IO[str]) -> Iterator[Listener]:
    if not stream.isatty():
        def plain(step_id: str, event: str, detail: str) -> None:
            if event != "cached":
                stream.write(f"[{event}] {step_id}: {detail.splitlines()[0] if detail else ''}\n")
                stream.flush()

        yield plain
        return

    from rich.console import Console  # only imported when something is shown on a terminal
    from rich.markup import escape

    console = Console(file=stream)
    with console.status("applying...") as status:
        def live(step_id: str, event: str, detail: str) -> None:
            if event == "start":
                status.update(f"running {step_id} ({detail})")
            elif event != "cached":
                # every event has a style (an empty one is no markup rich accepts); the text is escaped: a path or a
                # message may hold brackets
                styles = {"ran": "green", "failed": "red", "skipped": "yellow", "set-aside": "magenta"}
                style = styles.get(event, "bold")
                first_line = escape(detail.splitlines()[0] if detail else "")
                console.print(f"[{style}]{event:<8}[/{style}] {escape(step_id)} {first_line}", highlight=False,
                              markup=True)

        yield live
