from django.http import HttpResponse


def purchaser_home(request):
    return HttpResponse("purchaser")


def no_role(request):
    return HttpResponse("no role")
