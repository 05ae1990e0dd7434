"""Evaluation of retrieval and refusal on labelled questions."""
