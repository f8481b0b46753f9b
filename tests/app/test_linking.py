"""The tab's linked x, crosshair and emphasis without Qt: who follows whom, by x axis, with no
range going round in a loop, and the rule of a click on a curve."""
from __future__ import annotations

from chartdesk.app.linking import TabLink, pick


class Chart:
    """A member that does what a chart does on being told: it shows the range, and (as a chart
    whose range change is reported back to the link would) tells the link again."""

    def __init__(self, link: TabLink, key, echo: bool = True) -> None:
        self.link, self.key, self.echo = link, key, echo
        self.x = None
        self.hover = None
        self.runs = None
        self.told = 0
        link.join(self)

    def link_key(self):
        return self.key

    def follow_x(self, x_range):
        self.told += 1
        self.x = x_range
        if self.echo:
            assert self.link.moved(self, self.key, x_range or (0, 1)) == 0  # a follower never leads

    def follow_hover(self, x):
        self.hover = x

    def follow_runs(self, runs):
        self.runs = runs


def test_a_gesture_moves_every_chart_of_its_key_once_and_no_follower_re_broadcasts():
    link = TabLink()
    a, b, c = Chart(link, ("step", False)), Chart(link, ("step", False)), Chart(link, ("step", False))
    wall = Chart(link, ("wall", False))
    log = Chart(link, ("step", True))
    assert link.moved(a, ("step", False), (10, 20)) == 2
    assert b.x == c.x == (10.0, 20.0) and a.x is None and wall.x is None and log.x is None
    assert b.told == c.told == 1 and link.follows == 2 and link.leader is a
    assert link.moved(a, ("step", False), (10, 20)) == 0  # the same range again: nobody is told
    assert link.moved(b, ("step", False), (15, 25)) == 2 and a.x == (15.0, 25.0) and link.leader is b
    assert link.range_for(("step", False)) == (15.0, 25.0) and link.range_for(("wall", False)) is None


def test_reset_fits_every_chart_of_the_key_and_a_chart_joining_later_starts_at_the_linked_range():
    link = TabLink()
    a, b = Chart(link, "step"), Chart(link, "step")
    link.moved(a, "step", (1, 2))
    assert link.reset(b, "step") == 1 and a.x is None and link.range_for("step") is None
    link.moved(a, "step", (3, 4))
    assert link.range_for("step") == (3.0, 4.0)  # what a chart scrolled into view starts at


def test_off_each_chart_zooms_alone_and_on_again_links_from_the_next_gesture():
    link = TabLink()
    a, b = Chart(link, "step"), Chart(link, "step")
    link.set_enabled(False)
    assert link.moved(a, "step", (1, 2)) == 0 and b.x is None and link.range_for("step") is None
    assert link.reset(a, "step") == 0
    link.set_enabled(True)
    assert link.range_for("step") is None
    assert link.moved(a, "step", (5, 6)) == 1 and b.x == (5.0, 6.0)


def test_the_crosshair_goes_to_the_others_of_the_key_and_only_its_own_chart_takes_it_away():
    link = TabLink()
    a, b, wall = Chart(link, "step"), Chart(link, "step"), Chart(link, "wall")
    assert link.hover(a, "step", 42.0) == 1 and b.hover == 42.0 and wall.hover is None
    assert link.hover(b, "step", 7.0) == 1 and a.hover == 7.0  # the pointer went over to b
    assert link.hover(a, "step", None) == 0 and a.hover == 7.0  # a's late leave does not hide b's line
    assert link.hover(b, "step", None) == 1 and a.hover is None and link.hover_from is None


def test_emphasis_reaches_every_chart_and_members_that_left_hear_nothing():
    link = TabLink()
    a, b, wall = Chart(link, "step"), Chart(link, "step"), Chart(link, "wall")
    link.emphasize(["r1"])
    assert a.runs == b.runs == wall.runs == frozenset({"r1"})
    link.leave(b)
    link.emphasize(None)
    assert a.runs is None and b.runs == frozenset({"r1"})
    assert link.moved(a, "step", (0, 1)) == 0 and b.x is None  # b left: it follows nothing


def test_a_click_selects_the_curves_runs_and_ctrl_adds_or_removes_them():
    sel = ["a", "b", "c"]
    assert pick(sel, ["b"], False) == ["b"]
    assert pick(sel, ["b"], True) == ["a", "c"]  # selected: taken out
    assert pick(["a"], ["b"], True) == ["a", "b"]  # not selected: added
    assert pick(sel, ["g1", "g2"], False) == ["g1", "g2"]  # a group's line: its runs
    assert pick(["a", "g1"], ["g1", "g2"], True) == ["a", "g1", "g2"]  # not all selected: all added
    assert pick(["a", "g1", "g2"], ["g1", "g2"], True) == ["a"]
