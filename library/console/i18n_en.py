ENGLISH: dict[str, str] = {}
