from django_filters.rest_framework import (
    CharFilter as CharFilter,
)
from django_filters.rest_framework import (
    ChoiceFilter as ChoiceFilter,
)
from django_filters.rest_framework import (
    DateFromToRangeFilter as DateFromToRangeFilter,
)
from django_filters.rest_framework import (
    Filter as Filter,
)
from django_filters.rest_framework import (
    FilterSet as FilterSet,
)
from django_filters.rest_framework import (
    MultipleChoiceFilter as MultipleChoiceFilter,
)
from django_filters.rest_framework import (
    NumberFilter as NumberFilter,
)
