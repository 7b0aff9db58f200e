from django.db import models


class SearchTerm(models.Model):
    """One word (or number) of a searchable object, normalised (kam.search.normalise).

    `weight` says where the word comes from: 0 a number (customer or complaint number), 1 the
    first word of the object's name, 2 another word of its name, 3 a word of a detail (the city).
    The global search and the pickers find objects by a range on `term` (prefix), scoped by
    `account_id`, and rank them by weight: exact number, number prefix, name prefix, word.
    """

    NUMBER, FIRST_WORD, WORD, DETAIL = 0, 1, 2, 3

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    account_id = models.BigIntegerField(null=True)
    term = models.CharField(max_length=60)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            # Covering: a prefix search reads the index alone.
            models.Index(
                fields=["kind", "weight", "term", "account_id", "object_id"],
                name="search_term_by_weight",
            ),
            # Every object with a word (the list boxes' subquery, several words of a query).
            models.Index(fields=["kind", "term", "object_id"], name="search_term_word"),
            models.Index(fields=["kind", "object_id"], name="search_term_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.term}"
