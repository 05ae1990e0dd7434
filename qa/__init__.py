"""Verbatim question answering over trusted cancer information."""
