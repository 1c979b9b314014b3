"""The stages of the intake pipeline, one idea per module; the order is in pipeline.py."""
