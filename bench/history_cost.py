"""What a long history costs: CPU of a follow-up with five 1,000-character earlier questions against the question alone.

    python -m bench.history_cost [--asks 20] [--rounds 3]

In process, answer cache off, the question "how is it given?" (it points back, so its history is read);
alone and with the history alternate, so both see the same machine. Prints each round's ratio and the median.
"""

import argparse
import statistics
import time
from collections.abc import Callable

from qa.engine import load_engine
from qa.index import ensure_index
from qa.settings import Settings

QUESTION = "how is it given?"
# Five different earlier questions (an encoder call never sees the same text twice).
EARLIER = [
    (f"I was wondering about the treatment my oncologist mentioned {n} weeks ago, " * 20)[:1000] for n in range(5)
]


def cpu_ms(ask: Callable[[], object], asks: int) -> float:
    """Process CPU per call of `ask`, in milliseconds."""
    started = time.process_time()
    for _ in range(asks):
        ask()
    return (time.process_time() - started) * 1000 / asks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    settings = Settings(cache_size=0)
    engine = load_engine(settings, ensure_index(settings))
    history = EARLIER
    engine.answer(QUESTION, history=history)  # warm up
    ratios = []
    for _ in range(options.rounds):
        alone = cpu_ms(lambda: engine.answer(QUESTION), options.asks)
        with_history = cpu_ms(lambda: engine.answer(QUESTION, history=history), options.asks)
        ratios.append(with_history / alone)
        print(f"alone {alone:.1f} ms, after five 1,000-character questions {with_history:.1f} ms: {ratios[-1]:.2f}x")
    print(
        f"median {statistics.median(ratios):.2f}x (QA_HISTORY_USED={settings.history_used},"
        f" QA_HISTORY_MAX_ENCODED_CHARS={settings.history_max_encoded_chars})"
    )


if __name__ == "__main__":
    main()
