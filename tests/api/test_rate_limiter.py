"""The request limiter itself: a sliding-window counter per (bucket, client), thread-safe and
bounded in memory. Times are epoch seconds passed in; 3_600_000 starts a minute and an hour."""

import threading

import pytest
from pydantic import ValidationError

from vigil.api.rate_limits import Policy, RateLimiter
from vigil.config import Settings

START = 3_600_000.0


def limiter(limit: int = 3, window: float = 60, **more: Policy | None) -> RateLimiter:
    return RateLimiter({"api": Policy(limit, window), **more})


def hits(limits: RateLimiter, times: int, at: float = START, client: str = "key-1") -> list[bool]:
    verdicts = [limits.hit("api", client, at) for _ in range(times)]
    return [bool(verdict and verdict.allowed) for verdict in verdicts]


def test_the_limit_passes_in_a_window_and_the_next_request_is_refused() -> None:
    assert hits(limiter(3), 4) == [True, True, True, False]


def test_remaining_counts_down_to_zero() -> None:
    limits = limiter(3)
    remaining = [limits.hit("api", "key-1", START) for _ in range(4)]
    assert [decision.remaining for decision in remaining if decision] == [2, 1, 0, 0]


def test_a_refusal_says_when_the_next_request_passes() -> None:
    limits = limiter(3)
    hits(limits, 3)
    refused = limits.hit("api", "key-1", START)
    assert refused is not None and not refused.allowed
    # The next window starts at +60 s; 20 s into it, a third of this one has slid out.
    assert refused.retry_after == 80
    assert refused.reset_at == START + 60


def test_waiting_retry_after_lets_the_next_request_through_and_no_sooner() -> None:
    limits = limiter(3)
    hits(limits, 3)
    refused = limits.hit("api", "key-1", START + 10)
    assert refused is not None
    assert hits(limits, 1, at=START + 10 + refused.retry_after - 1) == [False]
    assert hits(limits, 1, at=START + 10 + refused.retry_after) == [True]


def test_refused_requests_are_not_counted() -> None:
    limits = limiter(3)
    hits(limits, 50)
    assert hits(limits, 1, at=START + 80) == [True]


def test_the_previous_window_weighs_by_how_much_of_it_still_overlaps() -> None:
    limits = limiter(4)
    hits(limits, 4)
    # Half-way into the next window the last one weighs 2 of its 4: two more pass.
    assert hits(limits, 3, at=START + 90) == [True, True, False]


def test_a_quiet_window_forgets_the_count() -> None:
    limits = limiter(3)
    hits(limits, 3)
    assert hits(limits, 4, at=START + 120) == [True, True, True, False]


def test_each_client_has_its_own_count() -> None:
    limits = limiter(2)
    hits(limits, 2, client="key-1")
    assert hits(limits, 2, client="key-2") == [True, True]


def test_each_bucket_has_its_own_policy() -> None:
    limits = limiter(1, other=Policy(2, 60))
    assert hits(limits, 2) == [True, False]  # "api" used up
    verdicts = [limits.hit("other", "key-1", START) for _ in range(3)]
    assert [bool(verdict and verdict.allowed) for verdict in verdicts] == [True, True, False]


def test_a_bucket_without_a_policy_is_not_limited() -> None:
    limits = limiter(1, off=None)
    assert limits.hit("off", "key-1", START) is None
    assert limits.hit("unknown", "key-1", START) is None


def test_clients_unseen_for_two_windows_are_forgotten_when_others_come() -> None:
    limits = limiter(3)
    for n in range(100):
        limits.hit("api", f"key-{n}", START)
    limits.hit("api", "newcomer", START + 120)
    assert limits.clients("api") == 1


def test_clients_seen_in_the_previous_window_are_kept() -> None:
    limits = limiter(3)
    limits.hit("api", "key-1", START)
    limits.hit("api", "newcomer", START + 60)
    assert limits.clients("api") == 2


def test_at_most_max_clients_are_kept_the_least_recently_seen_going_first() -> None:
    limits = RateLimiter({"api": Policy(1, 60)}, max_clients=3)
    for client in ("a", "b", "c"):
        limits.hit("api", client, START)
    limits.hit("api", "a", START)  # seen again: "b" is now the least recent
    limits.hit("api", "d", START)
    assert limits.clients("api") == 3
    assert hits(limits, 1, client="b") == [True]  # forgotten, so counted afresh
    assert hits(limits, 1, client="a") == [False]


def test_concurrent_requests_never_pass_more_than_the_limit() -> None:
    limits = limiter(1000)
    passed: list[int] = []

    def hammer() -> None:
        verdicts = [limits.hit("api", "key-1", START) for _ in range(500)]
        passed.append(sum(1 for verdict in verdicts if verdict and verdict.allowed))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(passed) == 1000


def test_policies_come_from_settings_and_zero_turns_one_off() -> None:
    limits = RateLimiter.from_settings(
        Settings(
            rate_limit_instatus="5/30s",
            rate_limit_incipulse="0",
            rate_limit_prodmanager="1500/h",
            rate_limit_prodmanager_anonymous="60/1h",
        )
    )
    assert limits.policy("instatus") == Policy(5, 30)
    assert limits.policy("incipulse") is None
    assert limits.policy("prodmanager") == Policy(1500, 3600)
    assert limits.policy("prodmanager-anonymous") == Policy(60, 3600)


def test_the_default_policies_are_the_products_own() -> None:
    limits = RateLimiter.from_settings(Settings())
    assert limits.policy("incipulse") == Policy(60, 60)
    assert limits.policy("prodmanager") == Policy(1500, 3600)
    assert limits.policy("prodmanager-anonymous") == Policy(60, 3600)
    assert limits.policy("instatus") == Policy(120, 60)


@pytest.mark.parametrize("text", ["fast", "60", "60/", "60/0s", "60/1d", "-1/1m"])
def test_a_malformed_setting_is_refused_at_startup(text: str) -> None:
    with pytest.raises(ValidationError, match="rate limit"):
        Settings(rate_limit_incipulse=text)


def test_a_policy_describes_itself_in_words() -> None:
    assert Policy(1500, 3600).describe() == "1500 requests per 1 hour"
    assert Policy(60, 120).describe() == "60 requests per 2 minutes"
    assert Policy(5, 30).describe() == "5 requests per 30 seconds"
