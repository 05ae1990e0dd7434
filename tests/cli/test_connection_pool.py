"""The connection pool's choices: who makes room for a new connection, and who never does."""

from cli.connection_pool import ConnectionPool


def test_below_the_caps_nobody_is_closed() -> None:
    pool: ConnectionPool[str] = ConnectionPool(limit=3, per_client=3)
    assert [pool.open(name, "10.0.0.1") for name in "abc"] == [None, None, None]
    assert len(pool) == 3


def test_over_the_cap_the_longest_waiting_makes_room_and_busy_ones_never_do() -> None:
    pool: ConnectionPool[str] = ConnectionPool(limit=2, per_client=10)
    pool.open("a", "10.0.0.1")
    pool.open("b", "10.0.0.2")
    pool.busy("a")  # its request arrived: being answered
    assert pool.open("c", "10.0.0.3") == "b"
    pool.busy("c")
    assert pool.open("d", "10.0.0.4") == "d"  # everyone busy: the new one is refused
    pool.waiting("a")  # answered, now idle
    assert pool.open("e", "10.0.0.5") == "a"


def test_a_client_at_its_cap_replaces_its_own_connections_not_others() -> None:
    pool: ConnectionPool[str] = ConnectionPool(limit=100, per_client=2)
    pool.open("other", "10.0.0.9")  # the oldest of all
    pool.open("a1", "10.0.0.1")
    pool.open("a2", "10.0.0.1")
    assert pool.open("a3", "10.0.0.1") == "a1"
    assert len(pool) == 3


def test_a_trusted_proxy_has_no_per_client_cap() -> None:
    pool: ConnectionPool[str] = ConnectionPool(limit=100, per_client=1)
    assert [pool.open(f"p{n}", None) for n in range(5)] == [None] * 5


def test_closed_connections_free_their_places() -> None:
    pool: ConnectionPool[str] = ConnectionPool(limit=1, per_client=1)
    pool.open("a", "10.0.0.1")
    pool.close("a")
    assert pool.open("b", "10.0.0.1") is None
