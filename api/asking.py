"""How a route's question reaches the engine: through the micro-batcher when it is on, always off the event loop."""

import asyncio
from collections.abc import Sequence

from qa.answer import Answer
from qa.batching import MicroBatcher
from qa.engine import Engine
from qa.preparation import Question
from qa.settings import Settings


class Asker:
    """Answers prepared questions with `engine`; questions without history share encoder calls when batching is on."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._batcher: MicroBatcher[tuple[Question, int], Answer] | None = (
            MicroBatcher(engine.answer_many, settings.batch_max, settings.batch_workers)
            if settings.micro_batching
            else None
        )

    async def __call__(self, question: Question, top_k: int, history: Sequence[str] = ()) -> Answer:
        if self._batcher is not None and not history:  # a follow-up searches with its own history: it shares no batch
            return await self._batcher.submit((question, top_k))
        # In a thread: the encoder's work must never hold up the event loop (/healthz and every other request).
        return await asyncio.to_thread(self._engine.answer, question, top_k, history)
