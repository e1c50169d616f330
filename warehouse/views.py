from django.http import HttpResponse


def floor_home(request):
    return HttpResponse("floor")


def supervisor_home(request):
    return HttpResponse("supervisor")
