import { render } from 'preact'
import { App } from './app'
import { enableOffline } from './offline'
import { onLinkClick } from './router'
import './styles.css'

document.addEventListener('click', onLinkClick)
const root = document.getElementById('app')!
root.textContent = '' // the no-script loading line
render(<App />, root)
enableOffline()
