from django.urls import path

from escrow import views

ESCROW = "loans/<str:loan_number>/escrow"
ACCOUNT = f"{ESCROW}/accounts/<int:account_id>"

urlpatterns = [
    path(f"{ESCROW}/add/", views.account_add, name="escrow-account-add"),
    path(f"{ESCROW}/assess/", views.assess_create, name="escrow-assess"),
    path(f"{ESCROW}/replenish/", views.replenish_create, name="escrow-replenish"),
    path(f"{ESCROW}/pay/", views.withdrawal_create, name="escrow-withdraw"),
    path(f"{ACCOUNT}/edit/", views.account_edit, name="escrow-account-edit"),
    path(f"{ACCOUNT}/subtypes/new/", views.subtype_add, name="escrow-subtype-add"),
    path(f"{ACCOUNT}/items/new/", views.item_form, name="escrow-item-add"),
    path(f"{ACCOUNT}/items/<int:item_id>/edit/", views.item_form, name="escrow-item-edit"),
    path(
        f"{ACCOUNT}/items/<int:item_id>/deactivate/",
        views.item_deactivate,
        name="escrow-item-deactivate",
    ),
    path(
        f"{ESCROW}/transactions/<int:entry_id>/reverse/",
        views.entry_reverse,
        name="escrow-entry-reverse",
    ),
]
