"""The fair naive baseline of `qa bench`: FastAPI, sentence-transformers and FAISS as a competent user writes them.

One plain `def` route (FastAPI runs it in its thread pool, so the event loop stays free), the model's own
`encode`, an exact FAISS inner-product index of the same article's passages, no cache. Run it with
`uvicorn --factory bench.naive_server:create_app` (QA_CORPUS / QA_INDEX_DIR name the built index whose
passages it serves, so both servers search the same passages).
"""

from typing import Any

import faiss
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sentence_transformers import SentenceTransformer

from qa.embedding import model_dir
from qa.index import ensure_index
from qa.settings import Settings


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=1000)
    top_k: int = Field(3, ge=1, le=10)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Encode the passages once, then answer POST /v1/ask with the top passages and their scores."""
    settings = settings or Settings()
    passages = ensure_index(settings).passages
    model = SentenceTransformer(str(model_dir(settings)), device="cpu", local_files_only=True)
    vectors = model.encode([p.text for p in passages], normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    app = FastAPI(title="naive baseline")

    @app.post("/v1/ask")
    def ask(body: Question) -> dict[str, Any]:
        vector = model.encode([body.question], normalize_embeddings=True, convert_to_numpy=True)
        scores, ids = index.search(vector, body.top_k)
        found = [
            {"id": passages[i].id, "text": passages[i].text, "score": float(s)}
            for s, i in zip(scores[0], ids[0], strict=True)
        ]
        return {"question": body.question, "passages": found}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app
