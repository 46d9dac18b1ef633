"""PNG plots of a release's distributions, byte-identical for identical inputs.

Figures are drawn with the Agg canvas directly (no pyplot state, no display backend) under matplotlib's default
style (a user's matplotlibrc cannot change the bytes), at a fixed size and dpi, and saved without the
"Software" text chunk, which would carry matplotlib's version. Fonts come with the pinned matplotlib wheel.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from releasebuild.distribution.stats import ROLES, Distribution

# What drawing imports, for a worker to import ahead (Step.slow_loads): matplotlib takes most of a second.
MATPLOTLIB = ("matplotlib.style", "matplotlib.figure", "matplotlib.backends.backend_agg")

SPLIT_COLORS: dict[str, str] = {"train": "#1f77b4", "val": "#ff7f0e", "test": "#2ca02c"}
ROLE_COLORS: dict[str, str] = {"system": "#7f7f7f", "user": "#9467bd", "assistant": "#17becf"}
PANELS: tuple[tuple[str, str], ...] = (("turns", "turns per conversation"),
                                       ("tokens_per_message", "tokens per message"),
                                       ("tokens_per_conversation", "tokens per conversation"))
DPI = 100
BELOW: dict[str, Any] = {"fontsize": 7, "loc": "upper center", "bbox_to_anchor": (0.5, -0.12), "ncols": 3,
                         "frameon": False}
TOKEN_BINS = 40


def family_png(family: str, tokenizer: str, splits: dict[str, dict[str, Distribution]]) -> bytes:
    """Per split (train/val/test), the share of conversations (or messages) by turns, tokens per message and
    tokens per conversation: one panel each, splits overlaid so a skewed split stands out."""
    import numpy as np

    def draw(figure: Any) -> None:
        axes = figure.subplots(1, len(PANELS))
        for ax, (name, title) in zip(axes, PANELS, strict=True):
            top = max((max(dists[name].counts, default=0) for dists in splits.values()), default=0)
            if name == "turns":
                bins = np.arange(0, top + 2) - 0.5
            else:
                bins = np.linspace(0, max(top, 1), TOKEN_BINS + 1)
            for split in (split for split in SPLIT_COLORS if split in splits):
                values = splits[split][name]
                if not values.size:
                    continue
                points, counts = zip(*values.to_json(), strict=True)
                ax.hist(points, bins=bins, weights=np.array(counts) / values.size, histtype="step", linewidth=1.5,
                        color=SPLIT_COLORS[split], label=f"{split} ({splits[split]['turns'].size})")
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(title if name == "turns" else f"{title} ({tokenizer})", fontsize=8)
            ax.set_ylabel("share of messages" if name == "tokens_per_message" else "share of conversations",
                          fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0].legend(fontsize=7, title="split (conversations)", title_fontsize=7)
        figure.suptitle(f"{family}: distributions by split", fontsize=11)

    return render((12, 3.6), Margins(left=0.6, right=0.2, top=0.6, bottom=0.55), draw)


def overview_png(rows: dict[str, dict[str, dict[str, Any]]], tokenizer: str) -> bytes:
    """Every family at a glance: conversations by split, tokens per conversation (median, p95) and the share of
    tokens by role. `rows` is family -> split -> metrics (the stats steps' meta)."""
    import numpy as np

    families = sorted(rows)
    positions = np.arange(len(families))

    def draw(figure: Any) -> None:
        sizes, tokens, roles = figure.subplots(1, 3, sharey=True)
        left = np.zeros(len(families))
        for split, color in SPLIT_COLORS.items():
            values = np.array([rows[f].get(split, {}).get("conversations", 0) for f in families], dtype=float)
            sizes.barh(positions, values, left=left, color=color, label=split)
            left += values
        sizes.set_title("conversations by split", fontsize=10)
        sizes.legend(**BELOW)
        for offset, (metric, color) in enumerate((("median", "#1f77b4"), ("p95", "#d62728"))):
            values = np.array([rows[f]["all"][f"tokens_per_conversation.{metric}"] or 0 for f in families],
                              dtype=float)
            tokens.barh(positions + (offset - 0.5) * 0.4, values, height=0.4, color=color, label=metric)
        tokens.set_title(f"tokens per conversation ({tokenizer})", fontsize=10)
        tokens.legend(**BELOW)
        left = np.zeros(len(families))
        for role in ROLES:
            values = np.array([rows[f]["all"][f"role_token_share.{role}"] or 0 for f in families], dtype=float)
            roles.barh(positions, values, left=left, color=ROLE_COLORS[role], label=role)
            left += values
        roles.set_xlim(0, 1)
        roles.set_title("share of tokens by role", fontsize=10)
        roles.legend(**BELOW)
        sizes.set_yticks(positions, families, fontsize=8)
        sizes.invert_yaxis()
        for ax in (sizes, tokens, roles):
            ax.tick_params(axis="x", labelsize=7)
        figure.suptitle("release overview", fontsize=11)

    label_width = 0.3 + 0.07 * max((len(name) for name in families), default=0)  # 8 pt family names
    return render((13, 1.6 + 0.45 * len(families)), Margins(left=label_width, right=0.2, top=0.6, bottom=0.75),
                   draw)


@dataclass(frozen=True)
class Margins:
    """Space around the panels, in inches. Fixed margins instead of constrained layout: it cost half the time."""

    left: float
    right: float
    top: float
    bottom: float


def render(size: tuple[float, float], margins: Margins, draw: Callable[[Any], None]) -> bytes:
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = size
    with matplotlib.style.context("default"):
        figure = Figure(figsize=size, dpi=DPI)
        figure.subplots_adjust(left=margins.left / width, right=1 - margins.right / width,
                               top=1 - margins.top / height, bottom=margins.bottom / height, wspace=0.25)
        FigureCanvasAgg(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
