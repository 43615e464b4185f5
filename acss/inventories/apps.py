from django.apps import AppConfig


class InventoriesConfig(AppConfig):
    name = "acss.inventories"
    label = "inventories"
    verbose_name = "Inventaires des structures"
