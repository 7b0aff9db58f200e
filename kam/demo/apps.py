from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kam.demo"
    label = "demo"
    verbose_name = "Demo"
