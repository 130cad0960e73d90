"""Per-user sliding-window rate limit, driven by a fake clock."""

from __future__ import annotations

from bot.cooldown import Cooldown


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(limit: int = 3, per: float = 30.0) -> tuple[Cooldown, FakeClock]:
    clock = FakeClock()
    return Cooldown(limit, per, clock=clock), clock


def test_first_questions_up_to_the_limit_are_allowed() -> None:
    cooldown, _ = make(limit=3)
    assert [cooldown.retry_after(1) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_question_over_the_limit_gets_a_positive_retry_after_within_the_window() -> None:
    cooldown, _ = make(limit=3, per=30.0)
    for _ in range(3):
        cooldown.retry_after(1)
    wait = cooldown.retry_after(1)
    assert 0 < wait <= 30.0


def test_retry_after_counts_down_from_the_oldest_question() -> None:
    cooldown, clock = make(limit=2, per=30.0)
    cooldown.retry_after(1)
    clock.now += 5
    cooldown.retry_after(1)
    clock.now += 10
    assert cooldown.retry_after(1) == 15.0


def test_allowed_again_once_the_window_has_passed() -> None:
    cooldown, clock = make(limit=2, per=30.0)
    cooldown.retry_after(1)
    cooldown.retry_after(1)
    clock.now += 30.0
    assert cooldown.retry_after(1) == 0.0


def test_still_refused_just_before_the_window_passes() -> None:
    cooldown, clock = make(limit=2, per=30.0)
    cooldown.retry_after(1)
    cooldown.retry_after(1)
    clock.now += 29.5
    assert cooldown.retry_after(1) == 0.5


def test_window_slides_one_question_at_a_time() -> None:
    cooldown, clock = make(limit=2, per=30.0)
    cooldown.retry_after(1)  # t=0
    clock.now += 20
    cooldown.retry_after(1)  # t=20
    clock.now += 10  # t=30: the first has expired, the second has not
    assert cooldown.retry_after(1) == 0.0
    assert cooldown.retry_after(1) == 20.0  # now the question at t=20 is the oldest


def test_refused_questions_do_not_extend_the_wait() -> None:
    cooldown, clock = make(limit=1, per=30.0)
    cooldown.retry_after(1)
    for _ in range(5):
        clock.now += 5
        assert cooldown.retry_after(1) > 0
    clock.now += 5  # 30 s after the only accepted question
    assert cooldown.retry_after(1) == 0.0


def test_users_are_limited_independently() -> None:
    cooldown, _ = make(limit=2)
    cooldown.retry_after(1)
    cooldown.retry_after(1)
    assert cooldown.retry_after(1) > 0
    assert cooldown.retry_after(2) == 0.0
    assert cooldown.retry_after(2) == 0.0
    assert cooldown.retry_after(2) > 0


def test_a_blocked_user_stays_blocked_when_many_other_users_ask() -> None:
    cooldown, clock = make(limit=1, per=30.0)
    cooldown.retry_after(1)
    clock.now += 1
    for user in range(2, 10_050):  # enough to trigger forgetting idle users
        cooldown.retry_after(user)
    assert cooldown.retry_after(1) == 29.0
