NOT NOT -a and or not NOTE
