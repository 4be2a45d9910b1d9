svc:* app:"pay*" * ** time*out
