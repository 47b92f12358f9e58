"""Issue 13, finding 2: no request stalls everyone. The query guard runs off the event loop for long texts, and
clients that never finish their headers (slowloris), or send too many, are cut off."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from service_support import LiveServer, build_store, make_client

from inburgering.service.routers import sparql_endpoint

#: 20 kB and 100 kB texts shaped after what made the old guard super-linear (backtracking in prefixed names
#: and strings): the guard must read each in one pass, and nothing else may wait while it does.
CRAFTED = {
    "20 kB of dots after a prefix": "SELECT * WHERE { ?s ?p x:" + "." * 20_000 + " }",
    "20 kB of escaped quotes": "SELECT * WHERE { ?s ?p \"" + "\\\"'" * 6_600 + " }",
    "100 kB of angle brackets": "ASK { FILTER(?a " + "<" * 99_900 + ") }",
    "100 kB of unclosed long strings": "ASK { ?s ?p " + "'''a''" * 16_600 + " }",
    "100 kB of comments ended by CR": "ASK { " + "# x\r" * 24_000 + "}",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(str(tmp_path_factory.mktemp("slow") / "store"))


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_query_does_not_hold_up_other_requests(store: str, name: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """While the guard reads a long crafted text, ``/static`` and ``/`` are answered. The guard is made to wait
    until they are (at most 30 s): had it run on the event loop, they could be answered only after it gave up."""
    text = CRAFTED[name]
    assert len(text.encode()) <= 100_000  # under the size limit: the guard reads it
    started, release = threading.Event(), threading.Event()
    gave_up: list[bool] = []
    real = sparql_endpoint.check_query

    def slow_guard(query: str, **kwargs: object) -> object:
        started.set()
        gave_up.append(not release.wait(30))
        return real(query, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sparql_endpoint, "check_query", slow_guard)
    answers: list[int] = []
    with make_client(store) as client:
        def crafted() -> None:
            answers.append(client.post("/sparql", content=text,
                                       headers={"Content-Type": "application/sparql-query"}).status_code)

        worker = threading.Thread(target=crafted)
        worker.start()
        assert started.wait(30)
        others = [client.get("/static/query.js").status_code, client.get("/").status_code]
        release.set()
        worker.join()
    assert others == [200, 200]
    assert gave_up == [False]  # the guard was still waiting when the others had their answers
    assert answers and answers[0] in (200, 400), answers  # read to the end: an answer, or where it goes wrong


def test_crafted_queries_get_their_answer(store: str) -> None:
    with make_client(store) as client:
        for name, text in CRAFTED.items():
            response = client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"})
            assert response.status_code in (200, 400), (name, response.status_code)
            assert "Traceback" not in response.text


@pytest.fixture(scope="module")
def strict_server(store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``inburgering serve`` with a 1 s header deadline and 4 kB of headers at most."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INBURGERING_HEADER_TIMEOUT_S", "1")
        env.setenv("INBURGERING_MAX_HEADER_BYTES", "4096")
        server = LiveServer(store, logs=tmp_path_factory.mktemp("strict"))
    yield server
    server.stop()


def _connect(server: LiveServer) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    return conn


def _read_until_closed(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    return data


def _read_response(conn: socket.socket) -> bytes:
    """One HTTP response (headers and a Content-Length body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def test_headers_that_never_finish_are_cut_off(strict_server: LiveServer) -> None:
    """A client that sends a header line every 0.3 s, forever: the server answers 408 and closes."""
    conn = _connect(strict_server)
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    conn.settimeout(0.3)
    reply = b""
    for _ in range(100):  # 30 s at most: the deadline is 1 s
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            conn.sendall(b"X-Slow: yes\r\n")
            continue
        reply += chunk
        if not chunk:
            break
    conn.close()
    assert reply.startswith(b"HTTP/1.1 408 ")


def test_a_silent_connection_is_closed(strict_server: LiveServer) -> None:
    conn = _connect(strict_server)
    reply = _read_until_closed(conn)  # blocks until the server gives up on it (the socket timeout is 30 s)
    conn.close()
    assert reply.startswith(b"HTTP/1.1 408 ")


def test_oversized_headers_are_refused(strict_server: LiveServer) -> None:
    conn = _connect(strict_server)
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 8_000 + b"\r\n")
    reply = _read_until_closed(conn)
    conn.close()
    assert reply.startswith(b"HTTP/1.1 431 ")


def test_ordinary_and_kept_alive_requests_still_work(strict_server: LiveServer) -> None:
    conn = _connect(strict_server)
    for _ in range(2):  # one connection, two requests, the second after the first's deadline would have passed
        conn.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json"
                     b"\r\n\r\n")
        reply = _read_response(conn)
        assert reply.startswith(b"HTTP/1.1 200 ") and b'"boolean":true' in reply
        time.sleep(1.5)
    conn.close()
    post = socket.create_connection(("127.0.0.1", strict_server.port), timeout=30)
    body = b"query=ASK%7B%7D"
    post.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Accept: application/sparql-results+json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert _read_response(post).startswith(b"HTTP/1.1 200 ")
    post.close()


def test_settings_reach_the_protocol() -> None:
    from inburgering.service.http_protocol import GuardedProtocol, configure
    from inburgering.settings import Settings

    options = configure(Settings(header_timeout_s=3, max_header_bytes=1000, max_connections=7))
    assert (GuardedProtocol.header_timeout_s, GuardedProtocol.max_header_bytes) == (3, 1000)
    assert options["limit_concurrency"] == 7 and options["http"] is GuardedProtocol
    configure(Settings())
