"""The list of test functions, in the order they run. A test function takes
the run's Context and records checks; the group is the default group of the
checks it records (a function may record checks of other groups too)."""

TESTS = []


def test(group):
    def register(fn):
        TESTS.append((group, fn))
        return fn
    return register
