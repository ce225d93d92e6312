from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Test-suite only (see test_settings): Argon2id at its lowest cost."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
