"""Emitters: each turns the intermediate model into files of one kind.

Every emitter is a function ``(pipeline, context) -> dict[path, text]`` with paths
relative to the output root; :func:`stepgen.build.render_tree` runs them all.
"""
