import os, runpy; runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../standin/report.py'), init_globals={'STANDIN_SCRIPT': __file__}, run_name='__main__')
