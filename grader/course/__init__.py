"""The course: ``course.yaml``'s schema, its loader (the one place the YAML is read) and its cost estimate."""

__all__: list[str] = []
