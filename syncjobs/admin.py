from django.contrib import admin

from syncjobs.admin_djangoq import restrict_django_q_admin

restrict_django_q_admin(admin.site)
