"""Bounded loopback attacks on a live server, the attacker and the normal client on addresses of their own."""

import asyncio
import json
import time
from dataclasses import dataclass

import httpx

ATTACKER = "127.0.0.2"  # 127.0.0.0/8 is all loopback: per-client limits tell these apart
CLIENT = "127.0.0.3"
QUESTION = {"question": "What is immunotherapy?"}


@dataclass
class Tally:
    """What one side of an attack saw: requests (or connections) sent, answered 200, cut off."""

    sent: int = 0
    answered: int = 0
    dropped: int = 0

    @property
    def share(self) -> float:
        return self.answered / self.sent if self.sent else 0.0


def _left(deadline: float) -> float:
    return deadline - time.monotonic()


async def slowloris(host: str, port: int, connections: int, seconds: float, line_every: float) -> Tally:
    """`connections` POSTs from ATTACKER that send a header line every `line_every` s and never finish;
    one the server closes (or answers) is opened again at once. `dropped` counts those closed."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    async def one() -> None:
        while _left(deadline) > 0:
            try:
                reader, writer = await asyncio.open_connection(host, port, local_addr=(ATTACKER, 0))
            except OSError:
                await asyncio.sleep(0.05)
                continue
            tally.sent += 1
            try:
                writer.write(b"POST /v1/ask HTTP/1.1\r\nHost: qa\r\n")
                while _left(deadline) > 0:
                    try:
                        await asyncio.wait_for(reader.read(1024), timeout=min(line_every, _left(deadline)))
                    except TimeoutError:
                        writer.write(b"X-Trickle: 1\r\n")
                        continue
                    tally.dropped += 1  # the server answered or closed it
                    break
            except OSError:
                tally.dropped += 1
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return tally


async def flood(host: str, port: int, connections: int, seconds: float) -> Tally:
    """`connections` keep-alive connections from ATTACKER asking a question again as soon as answered."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    body = json.dumps(QUESTION).encode()
    request = b"POST /v1/ask HTTP/1.1\r\nHost: qa\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )

    async def one() -> None:
        while _left(deadline) > 0:
            try:
                reader, writer = await asyncio.open_connection(host, port, local_addr=(ATTACKER, 0))
                try:
                    while _left(deadline) > 0:
                        tally.sent += 1
                        writer.write(request)
                        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _left(deadline) + 5)
                        length = next(
                            int(line.split(b":")[1])
                            for line in head.lower().split(b"\r\n")
                            if line.startswith(b"content-length:")
                        )
                        await reader.readexactly(length)
                        tally.answered += head.startswith(b"HTTP/1.1 200")
                        if b"connection: close" in head.lower():
                            break
                finally:
                    writer.close()
            except (OSError, asyncio.IncompleteReadError, TimeoutError, StopIteration):
                tally.dropped += 1
                await asyncio.sleep(0.01)

    await asyncio.gather(*(one() for _ in range(connections)))
    return tally


async def client(url: str, seconds: float, every: float, path: str = "/v1/ask", timeout: float = 10.0) -> Tally:
    """The normal client, from CLIENT: a question (or a GET of `path`) every `every` s for `seconds`.

    Answered means 200 within `timeout`.
    """
    tally = Tally()
    deadline = time.monotonic() + seconds
    transport = httpx.AsyncHTTPTransport(local_address=CLIENT)
    async with httpx.AsyncClient(transport=transport, base_url=url, timeout=timeout) as http:
        while _left(deadline) > 0:
            tally.sent += 1
            try:
                if path == "/v1/ask":
                    response = await http.post(path, json=QUESTION)
                else:
                    response = await http.get(path)
                tally.answered += response.status_code == 200
            except httpx.TransportError:
                tally.dropped += 1
            await asyncio.sleep(every)
    return tally
