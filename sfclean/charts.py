"""Charts for ``report.html``, as inline SVG text made with matplotlib (Agg, no pyplot).

matplotlib is the ``reports`` extra (``pip install 'sfclean[reports]'``); without it,
:func:`require_matplotlib` raises a ConfigError that says so. Text stays text in the SVG
(``svg.fonttype: none``: searchable, small) and matplotlib escapes it as XML; ``$`` in labels
from user data is escaped so it is never read as mathtext. Ids inside the SVG are
deterministic (``svg.hashsalt``), so a report written twice is the same file.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from sfclean.errors import ConfigError

__all__ = ["bar_chart", "require_matplotlib", "timeline_chart"]

_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "sfclean", "font.size": 10}
_COLOR = "#3b6ea5"
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def require_matplotlib() -> None:
    """ConfigError unless matplotlib can be imported (the ``reports`` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError(
            "sfclean report draws its charts with matplotlib, which is not installed; "
            "pip install 'sfclean[reports]' (or pip install matplotlib)"
        ) from None


def _label(text: Any, limit: int = 40) -> str:
    value = str(text)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("\\", "\\\\").replace("$", r"\$")


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "sfclean"}
    )
    text = buffer.getvalue()
    start = text.find("<svg")  # drop the XML declaration and DOCTYPE: inline in HTML
    text = text[start:] if start >= 0 else text
    return _METADATA.sub("", text)


def _style() -> Any:
    import matplotlib

    return matplotlib.rc_context(_RC)  # type: ignore[arg-type]  # (typed as Literal keys)


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def bar_chart(counts: Mapping[str, int], *, title: str, unit: str = "rows") -> str:
    """A horizontal bar chart of ``{label: count}`` (largest first, as given) as SVG text."""
    require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    labels = [_label(k) for k in counts]
    values = [int(v) for v in counts.values()]
    with _style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        figure = _figure(7.0, 0.6 + 0.32 * max(1, len(labels)))
        axes = figure.subplots()
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, values, color=_COLOR)
        axes.set_yticks(positions, labels)
        axes.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(unit)
        axes.set_title(_label(title, 80), loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(x=0.12)
        return _svg(figure)


def timeline_chart(
    periods: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    unit: str = "duplicates",
) -> str:
    """One line per series (``{name: count per period}``) over ``periods`` (text labels, in
    order), as SVG text."""
    require_matplotlib()
    with _style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        from matplotlib.ticker import MaxNLocator

        figure = _figure(8.0, 3.4)
        axes = figure.subplots()
        x = list(range(len(periods)))
        for name, values in series.items():
            axes.plot(x, [int(v) for v in values], marker="o", markersize=3, label=_label(name))
        step = max(1, len(periods) // 12)
        axes.set_xticks(x[::step], [_label(p) for p in periods[::step]], rotation=30, ha="right")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(unit)
        axes.set_title(_label(title, 80), loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        if series:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        return _svg(figure)
