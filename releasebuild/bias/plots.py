"""The bias report's charts, drawn like the distribution gate's (distribution/plots.py: byte-identical PNGs)."""

from __future__ import annotations

from typing import Any

from releasebuild.bias.counts import ALL
from releasebuild.bias.judge import composition
from releasebuild.distribution.plots import SPLIT_COLORS, Margins, render

COLUMNS = 4
PANEL_WIDTH = 3.5  # inches of one label panel's bars
TOP_LABELS = 12  # values per label panel; the rest are in the report's tables
RELEASE_ROW = "(release)"


def _colors(count: int) -> list[Any]:
    from matplotlib import colormaps

    palette = colormaps["tab20"]
    return [palette(index % 20) for index in range(count)]


def identity_png(families: dict[str, Any], release: dict[str, Any]) -> bytes:
    """Per identity lexicon, each family's user mentions split by category, and the release's for reference."""
    import numpy as np

    lexicons = list(release["identity"])
    rows = [*families, RELEASE_ROW]
    positions = np.arange(len(rows))
    columns = min(COLUMNS, len(lexicons))
    grid_rows = -(-len(lexicons) // columns)

    def draw(figure: Any) -> None:
        axes = np.atleast_1d(figure.subplots(grid_rows, columns, sharey=True)).ravel()
        figure.subplots_adjust(hspace=0.8)  # each panel's legend sits below it
        for ax, lexicon in zip(axes, lexicons, strict=False):
            categories = list(release["identity"][lexicon])
            left = np.zeros(len(rows))
            for color, category in zip(_colors(len(categories)), categories, strict=True):
                values = []
                for row in rows:
                    source = release if row == RELEASE_ROW else families[row]["splits"][ALL]
                    shares, _ = composition(source, lexicon, "user")
                    values.append(shares[category] or 0)
                ax.barh(positions, values, left=left, color=color, label=category)
                left += np.array(values)
            ax.set_xlim(0, 1)
            ax.set_title(lexicon, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2, frameon=False)
        for ax in axes[len(lexicons):]:
            ax.set_visible(False)
        axes[0].set_yticks(positions, rows, fontsize=7)
        axes[0].invert_yaxis()
        figure.suptitle("share of user mentions by category (empty bar: no mentions)", fontsize=11)

    height = grid_rows * (1.9 + 0.25 * len(rows))
    label_width = 0.3 + 0.065 * max(len(name) for name in rows)
    return render((4 * columns + label_width, height + 0.7),
                  Margins(left=label_width, right=0.2, top=0.6, bottom=1.1), draw)


def assistant_png(families: dict[str, Any]) -> bytes:
    """Per assistant lexicon, the share of each family's conversations with each pattern."""
    import numpy as np

    lexicons = sorted({name for entry in families.values() for name in entry["splits"][ALL]["assistant_patterns"]})
    names = list(families)
    positions = np.arange(len(names))

    def draw(figure: Any) -> None:
        axes = np.atleast_1d(figure.subplots(1, len(lexicons), sharey=True))
        for ax, lexicon in zip(axes, lexicons, strict=True):
            categories = sorted({category for entry in families.values()
                                 for category in entry["splits"][ALL]["assistant_patterns"].get(lexicon, {})})
            height = 0.8 / max(len(categories), 1)
            for offset, (color, category) in enumerate(zip(_colors(len(categories)), categories, strict=True)):
                values = []
                for name in names:
                    row = families[name]["splits"][ALL]
                    cell = row["assistant_patterns"].get(lexicon, {}).get(category, {"conversations": 0})
                    values.append(cell["conversations"] / row["conversations"] if row["conversations"] else 0)
                ax.barh(positions + (offset - (len(categories) - 1) / 2) * height, values, height=height,
                        color=color, label=category)
            ax.set_title(lexicon, fontsize=9)
            ax.set_xlabel("share of conversations", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=2, frameon=False)
        axes[0].set_yticks(positions, names, fontsize=7)
        axes[0].invert_yaxis()
        figure.suptitle("assistant patterns", fontsize=11)

    label_width = 0.3 + 0.065 * max(len(name) for name in names)
    return render((4.5 * len(lexicons) + label_width, 2.2 + 0.4 * len(names)),
                  Margins(left=label_width, right=0.2, top=0.6, bottom=1.2), draw)


def labels_png(family: str, splits: dict[str, Any], fields: list[str]) -> bytes:
    """Per label field, the share of each split's conversations with each value (the most common values)."""
    import numpy as np

    present = [split for split in SPLIT_COLORS if split in splits]

    longest = max((len(value) for name in fields for value in splits[ALL]["labels"][name]), default=4)
    label_width = 0.3 + 0.065 * min(longest, 40)

    def draw(figure: Any) -> None:
        axes = np.atleast_1d(figure.subplots(1, len(fields)))
        figure.subplots_adjust(wspace=(label_width + 0.3) / PANEL_WIDTH)  # room for the next panel's values
        for ax, name in zip(axes, fields, strict=True):
            overall = splits[ALL]["labels"][name]
            values = sorted(overall, key=lambda value: (-overall[value], value))[:TOP_LABELS]
            positions = np.arange(len(values))
            height = 0.8 / max(len(present), 1)
            for offset, split in enumerate(present):
                counts = splits[split]["labels"].get(name, {})
                total = sum(counts.values())
                shares = [counts.get(value, 0) / total if total else 0 for value in values]
                ax.barh(positions + (offset - (len(present) - 1) / 2) * height, shares, height=height,
                        color=SPLIT_COLORS[split], label=split)
            ax.set_yticks(positions, values, fontsize=7)
            ax.invert_yaxis()
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("share of the split's conversations", fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
            ax.legend(fontsize=7)
        figure.suptitle(f"{family}: labels by split", fontsize=11)

    width = len(fields) * (PANEL_WIDTH + label_width + 0.3)
    return render((width, 1.6 + 0.28 * TOP_LABELS), Margins(left=label_width, right=0.2, top=0.6, bottom=0.6), draw)
