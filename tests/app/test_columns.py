"""The runs table's column layout and cell text without Qt (issue 23 items 10-12): the order a
person arranged (name first, new columns beside their neighbours), hiding, moving past hidden
columns, removing a summary column with its width and sort, the settings round trip, and one
number precision per column so decimal points line up."""
from __future__ import annotations

import math

from chartdesk.app import preferences as prefs
from chartdesk.app.cells import NumberFormat, cell_text, column_formats, number_format
from chartdesk.app.columns import ColumnLayout

TABLE = ["name", "state", "tags", "created", "duration", "lr", "seed"]


def test_the_order_keeps_name_first_and_puts_new_columns_beside_their_neighbours():
    lay = ColumnLayout(order=["seed", "name", "lr", "state"])
    assert lay.shown_order(TABLE) == ["name", "seed", "lr", "state", "tags", "created", "duration"]
    # a param that appeared (after lr in the table's order) and a summary just added (at the end)
    grown = TABLE[:6] + ["optimizer", "seed", "alias:accuracy:max"]
    assert lay.shown_order(grown) == ["name", "seed", "lr", "optimizer", "state", "tags", "created", "duration",
                                      "alias:accuracy:max"]
    assert lay.shown_order(["name", "state"]) == ["name", "state"]  # what the order names and the table lacks: skipped


def test_moving_skips_hidden_columns_and_never_passes_the_name():
    lay = ColumnLayout()
    assert lay.set_hidden("tags", True) and not lay.set_hidden("name", True)
    assert lay.move(TABLE, "created", -1)  # over the hidden tags, before state
    assert lay.shown_order(TABLE) == ["name", "created", "state", "tags", "duration", "lr", "seed"]
    assert not lay.move(TABLE, "created", -1)  # the name stays first
    assert not lay.move(TABLE, "seed", +1) and not lay.move(TABLE, "name", +1)
    assert lay.arrange(["lr", "name", "state"]) and lay.order[0] == "name"


def test_removing_a_summary_column_forgets_its_place_width_and_sort():
    lay = ColumnLayout()
    assert lay.add_summary("alias:accuracy:max") and not lay.add_summary("alias:accuracy:max")
    lay.arrange(["name", "alias:accuracy:max", "lr"])
    lay.set_width("alias:accuracy:max", 140)
    lay.set_sort("alias:accuracy:max", True)
    assert lay.remove_summary("alias:accuracy:max")
    assert lay.summaries == [] and "alias:accuracy:max" not in lay.order
    assert lay.widths == {} and lay.sort is None
    assert not lay.remove_summary("lr")  # a param is hidden, not removed


def test_the_layout_comes_back_from_its_settings():
    lay = ColumnLayout(summaries=["alias:accuracy:max"], order=["name", "seed", "lr"], hidden={"tags"},
                       widths={"lr": 90, "a=b": 33}, sort=("alias:accuracy:max", True))
    values = lay.values()
    for key, value in values.items():
        key.check(value)  # each value is what its key holds
    back = ColumnLayout.load(lambda key: values[key])
    assert back == lay
    assert ColumnLayout.load(lambda key: {prefs.RUNS_WIDTHS: ["x=0", "y=abc", "=5"]}.get(key, key.fresh_default())) \
        == ColumnLayout()


def _decimals(text):
    return len(text.partition(".")[2])


def test_one_precision_per_column_lines_up_the_decimal_points():
    acc = [0.93704, 0.938204, 0.91]
    fmt = number_format(acc)
    texts = [fmt.text(v) for v in acc]
    assert texts == ["0.937040", "0.938204", "0.910000"]
    assert number_format([0.1, 0.01, 0.0003]).text(0.1) == "0.1000"
    assert number_format([1, 2, 30]) == NumberFormat(0) and number_format([1000.0, 2.5]).text(1000.0) == "1000.0"
    sci = number_format([1e-05, 3e-4, 0.001])
    assert sci.scientific and [sci.text(v) for v in (1e-05, 3e-4)] == ["1e-05", "3e-04"]
    assert number_format([1234567.0, 2.0]).scientific
    assert number_format([math.nan, "x", None, True]) is None  # no finite number: text as it is
    assert fmt.text(math.nan) == "nan" and fmt.text(-math.inf) == "-inf"


def test_cell_text_is_the_runs_tables_rule():
    assert cell_text("duration", 3725.4) == "1:02:05"
    assert cell_text("tags", ["a", "b"]) == "a, b" and cell_text("x", None) == ""
    assert cell_text("acc", 0.1234567) == "0.123457"  # alone: its own 6 significant digits
    assert cell_text("acc", 0.5, NumberFormat(3)) == "0.500"
    assert cell_text("flag", True, NumberFormat(3)) == "True"
    rows = [{"acc": 0.5, "created": 1e9, "name": "a"}, {"acc": 0.25, "created": 2e9, "name": "b"}]
    formats = column_formats(["name", "created", "acc"], rows, lambda r, c: r[c])
    assert formats == {"acc": NumberFormat(2)}  # created is a date, not a number column
